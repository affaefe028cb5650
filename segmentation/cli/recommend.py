"""`segment recommend` and `segment rules`: what to offer each customer, what sells together."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

METHODS = ("item-knn", "als", "popular", "segment-popular")  # checked again by the library
OUT_COLUMNS = ["customer_id", "rank", "product", "score", "reason"]


def add_commands(sub, shared) -> None:
    _recommend_parser(sub).set_defaults(run=lambda args: _recommend(args, shared))
    _rules_parser(sub).set_defaults(run=lambda args: _rules(args, shared))


def _recommend_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "recommend", help="next best products for every customer of a run, with an evaluation"
    )
    p.add_argument("run_id", help="a run (its transactions) or a transactions table")
    p.add_argument("--method", default="item-knn", choices=METHODS)
    p.add_argument("--top", type=int, default=10, help="products per customer (default 10)")
    p.add_argument(
        "--include-bought", action="store_true", help="may offer what a customer bought before"
    )
    p.add_argument(
        "--evaluate", action="store_true", help="leave-last-order-out evaluation vs popularity"
    )
    p.add_argument("--name", help="the recommendation set's name (default: method for run)")
    p.add_argument("--seed", type=int, default=0, help="seed of ALS (default 0)")
    p.add_argument("--out", metavar="FILE", help="write customer_id, rank, product, score, reason")
    return p


def _recommend(args: argparse.Namespace, shared) -> tuple[dict[str, Any], str]:
    from ..recommend import read_rows, recommend

    out = _out_path(args.out, (".csv", ".parquet"))
    ws = shared.workspace(args)
    rec = recommend(
        ws, args.run_id, method=args.method, top=args.top,
        include_bought=args.include_bought, evaluate_first=args.evaluate, name=args.name,
        seed=args.seed, progress=shared.progress(args),
    )  # fmt: skip
    text = _recommend_text(rec)
    if out is not None:
        _write(read_rows(ws, rec.recommendation_id)[OUT_COLUMNS], out)
        text += f"\nWrote {out}"
    return rec.to_dict(), text


def _rules_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("rules", help="products bought together: support, confidence, lift")
    p.add_argument("table", help="a transactions table")
    p.add_argument("--run", dest="run_id", help="a run, to count one of its segments only")
    p.add_argument("--segment", dest="segment_id", type=int, help="that segment's id")
    p.add_argument("--min-orders", type=int, default=10, help="orders behind a rule (10)")
    p.add_argument("--max-items", type=int, default=50, help="products kept per order (50)")
    p.add_argument("--limit", type=int, default=1000, help="rules at most, best lift first")
    p.add_argument("--out", metavar="FILE", help="write the rules (.csv or .parquet)")
    return p


def _rules(args: argparse.Namespace, shared) -> tuple[dict[str, Any], str]:
    from ..recommend import bought_together

    out = _out_path(args.out, (".csv", ".parquet"))
    result = bought_together(
        shared.workspace(args), args.table, run_id=args.run_id, segment_id=args.segment_id,
        min_orders=args.min_orders, max_items=args.max_items, limit=args.limit,
    )  # fmt: skip
    data = {"table": args.table, **result.to_dict()}
    text = _rules_text(args.table, result)
    if out is not None:
        _write(result.frame, out)
        data["out"] = str(out)
        text += f"\nWrote {out}"
    return data, text


def _out_path(out: str | None, suffixes: tuple[str, ...]) -> Path | None:
    from ..errors import InvalidParameterError

    if out is None:
        return None
    path = Path(out).expanduser().absolute()
    if path.suffix.lower() not in suffixes:
        raise InvalidParameterError(
            f"The --out file must end in {' or '.join(suffixes)}. Got {out!r} instead."
        )
    if not path.parent.is_dir():
        raise InvalidParameterError(f"The folder {path.parent} does not exist; create it first.")
    return path


def _write(frame, path: Path) -> None:
    from ..export.files import neutralize

    if path.suffix.lower() == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        neutralize(frame).to_csv(path, index=False)


def _recommend_text(rec) -> str:
    lines = [
        f"Recommendation set {rec.recommendation_id} ({rec.name}): {rec.method}, top {rec.top} "
        f"for {rec.customers:,} customers ({rec.products:,} products offered).",
        f"{rec.fallback_customers:,} customers with too little history got their segment's top "
        "products.",
    ]
    ev = rec.evaluation
    if ev:
        lines.append(
            f"Last order held out ({ev['customers']:,} customers), at {ev['k']}: "
            "hit rate / precision / recall / MAP"
        )
        rows = [(rec.method, ev)] + list(ev["baselines"].items())
        for name, e in rows:
            lines.append(
                f"  {name:<16} {e['hit_rate']:.3f}  {e['precision']:.4f}  {e['recall']:.4f}  "
                f"{e['map']:.4f}"
            )
        if not ev["beats_popularity"]:
            lines.append(f"{rec.method} does not beat the popularity baselines on this data.")
    return "\n".join(lines)


def _rules_text(table: str, result) -> str:
    where = f" in segment {result.segment_id} of run {result.run_id}" if result.segment_id else ""
    lines = [
        f"{len(result.frame):,} rules from {result.orders:,} orders of {table!r}{where} "
        f"(at least {result.min_orders} orders each; {result.capped_orders:,} orders cut to "
        f"their {result.max_items} most frequent products)."
    ]
    for r in result.frame.head(10).itertuples(index=False):
        lines.append(
            f"  {r.antecedent} -> {r.consequent}: {r.orders:,} orders, confidence "
            f"{r.confidence:.0%}, lift {r.lift:.1f}"
        )
    return "\n".join(lines)
