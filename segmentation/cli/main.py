"""The `segment` command: the library's functions from a terminal.

Global options come before the command: ``segment --workspace W --json ingest FILE``.
With ``--json`` exactly one JSON object is printed on stdout; otherwise readable text.
Errors print a message on stderr and exit with 1 (2 for usage errors), never a traceback.
Heavy modules are imported inside each command, so start-up stays quick.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

EXIT_ERROR, EXIT_USAGE = 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segment",
        description="Customer segmentation studio: load customer or transaction files into a "
        "DuckDB workspace and work with them from the terminal.",
        epilog="Examples:\n  segment demo\n  segment ingest orders.csv --table orders\n"
        "  segment --json tables\n  segment features orders --as-of 2024-01-01\n"
        "  segment --workspace other.duckdb ingest crm.xlsx",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--workspace",
        metavar="PATH",
        help="the workspace file (default: $SEGMENT_WORKSPACE, else ./workspace.duckdb)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("ingest", help="load a file (CSV/TSV/TXT, Excel, Parquet, JSON)")
    p.add_argument("file", help="the file to load")
    p.add_argument("--table", help="table name (default: made from the file name)")
    p.add_argument("--replace", action="store_true", help="replace a table of the same name")
    p.add_argument(
        "--delimiter", help="comma, semicolon, tab, pipe or whitespace (default: detect)"
    )
    p.add_argument("--encoding", help="utf-8, cp1252, latin-1 or utf-16 (default: detect)")
    p.add_argument(
        "--date-format", help="strptime format of dates, e.g. %%d/%%m/%%Y (default: detect)"
    )
    p.set_defaults(run=_cmd_ingest)

    p = sub.add_parser("tables", help="list the workspace's tables")
    p.set_defaults(run=_cmd_tables)

    p = sub.add_parser("demo", help="load the bundled sample data")
    p.add_argument("--if-empty", action="store_true", help="only when the workspace has no table")
    p.set_defaults(run=_cmd_demo)

    p = sub.add_parser("sample", help="write a synthetic dataset with planted behaviours")
    p.add_argument("--customers", type=int, default=3000, help="number of customers (default 3000)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the CSV files to")
    p.set_defaults(run=_cmd_sample)

    p = sub.add_parser("features", help="build one row per customer (RFM and behaviour)")
    p.add_argument("table", help="a transactions or customers table")
    p.add_argument("--name", help="feature table name (default: TABLE_features)")
    p.add_argument("--as-of", help="YYYY-MM-DD (default: the day after the last transaction)")
    p.add_argument(
        "--role",
        action="append",
        default=[],
        metavar="ROLE=COLUMN",
        help="use COLUMN for ROLE in this build (repeatable); ROLE= unsets it",
    )
    p.add_argument("--replace", action="store_true", help="replace a feature table of that name")
    p.add_argument("--top-categories", type=int, default=8, help="share_<category> columns (8)")
    p.add_argument(
        "--on-duplicate",
        choices=["refuse", "first"],
        default="refuse",
        help="customer tables: refuse repeated ids, or keep the first row of each",
    )
    p.set_defaults(run=_cmd_features)

    p = sub.add_parser("run", help="segment the customers of a feature or customer table")
    p.add_argument("table", nargs="?", help="a feature table (segment features) or customer table")
    p.add_argument("--recipe", metavar="FILE", help="run a recipe (segment recipe) instead")
    p.add_argument("--refit", action="store_true", help="with --recipe: fit a new model")
    p.add_argument("--algorithm", default="kmeans", help="rfm, kmeans, gmm, ward or hdbscan")
    p.add_argument("--k", help="number of segments (n_clusters / n_components)")
    p.add_argument("--features", help="comma-separated feature columns (default: behavioural)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an algorithm parameter (repeatable), e.g. --param n_init=20",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--name", help="a name for the run")
    p.set_defaults(run=_cmd_run)

    p = sub.add_parser("sweep", help="compare numbers of segments: inertia, silhouette, ...")
    p.add_argument("table")
    p.add_argument("--algorithm", default="kmeans", help="kmeans, gmm or ward")
    p.add_argument("--k", default="2-12", help="a range such as 2-12 (default)")
    p.add_argument("--features", help="comma-separated feature columns (default: behavioural)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=_cmd_sweep)

    p = sub.add_parser("runs", help="list the segmentation runs")
    p.set_defaults(run=_cmd_runs)

    p = sub.add_parser("recipe", help="write a run's recipe (TOML)")
    p.add_argument("run_id")
    p.add_argument("--out", metavar="FILE", help="file to write (default: print it)")
    p.set_defaults(run=_cmd_recipe)

    p = sub.add_parser("rename-run", help="rename a run")
    p.add_argument("run_id")
    p.add_argument("name")
    p.set_defaults(run=_cmd_rename_run)

    p = sub.add_parser("delete-run", help="delete a run")
    p.add_argument("run_id")
    p.set_defaults(run=_cmd_delete_run)

    _add_module_commands(sub)

    p = sub.add_parser("rename-table", help="rename a table")
    p.add_argument("old")
    p.add_argument("new")
    p.set_defaults(run=_cmd_rename_table)

    p = sub.add_parser("drop-table", help="delete a table")
    p.add_argument("name")
    p.set_defaults(run=_cmd_drop_table)
    return parser


class Shared:
    """What command modules (segmentation/commands/) share with this one."""

    @staticmethod
    def workspace(args: argparse.Namespace):
        return _workspace(args)

    @staticmethod
    def progress(args: argparse.Namespace):
        return _progress(args)

    @staticmethod
    def pairs(pairs: list[str], option: str) -> dict[str, str]:
        return _pairs(pairs, option)

    @staticmethod
    def columns(text: str | None) -> list[str] | None:
        return _columns(text)


def _add_module_commands(sub) -> None:
    import importlib

    from . import MODULES

    for name in MODULES:
        try:
            module = importlib.import_module(f".{name}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}":
                raise
            continue  # not written yet
        module.add_commands(sub, Shared)


def _workspace(args: argparse.Namespace):
    from ..workspace.connection import open_workspace

    return open_workspace(args.workspace)


def _progress(args: argparse.Namespace) -> Callable[[float, str], None] | None:
    if args.json or not sys.stderr.isatty():
        return None

    def show(fraction: float, message: str) -> None:
        sys.stderr.write(f"\r{fraction:4.0%}  {message[:70]:<70}")
        if fraction >= 1:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _cmd_ingest(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..ingest.load import ingest_file

    info = ingest_file(
        _workspace(args),
        args.file,
        table=args.table,
        replace=args.replace,
        delimiter=args.delimiter,
        encoding=args.encoding,
        date_format=args.date_format,
        progress=_progress(args),
    )
    data = {
        "table": info.name,
        "rows": info.rows,
        "kind": info.kind,
        "columns": [c.to_dict() for c in info.columns],
        "quality": info.quality,
        "warnings": info.warnings,
    }
    lines = [f"Loaded {info.rows:,} rows into table {info.name!r} ({info.kind})."]
    lines += [f"  {c.name:<30} {c.type:<10} {c.role}" for c in info.columns]
    lines += [f"warning: {w}" for w in info.warnings]
    return data, "\n".join(lines)


def _table_summary(info) -> dict[str, Any]:
    d = info.to_dict()
    d["roles"] = info.roles
    return d


def _cmd_tables(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    tables = _workspace(args).tables()
    data = {"tables": [_table_summary(t) for t in tables]}
    if not tables:
        return data, "The workspace has no tables yet. Load one with `segment ingest FILE`."
    lines = [f"{'table':<32} {'kind':<13} {'rows':>12}  source"]
    lines += [f"{t.name:<32} {t.kind:<13} {t.rows:>12,}  {t.source_file or ''}" for t in tables]
    return data, "\n".join(lines)


def _cmd_demo(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..demo.sample import load_demo

    ws = _workspace(args)
    loaded = load_demo(ws, if_empty=args.if_empty, progress=_progress(args))
    data = {"loaded": [_table_summary(t) for t in loaded], "workspace": str(ws.path)}
    if not loaded:
        return data, f"The workspace {ws.path} already has tables; nothing loaded."
    text = "\n".join(f"Loaded sample table {t.name!r}: {t.rows:,} rows ({t.kind})." for t in loaded)
    return data, text


def _cmd_sample(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..demo.sample import write_sample

    paths = write_sample(args.out, customers=args.customers, seed=args.seed)
    data = {"files": {k: str(v) for k, v in paths.items()}, "customers": args.customers}
    return data, "\n".join(f"Wrote {p}" for p in paths.values())


def _cmd_features(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..features.build import build_features
    from ..ingest.roles import ROLES

    result = build_features(
        _workspace(args),
        args.table,
        name=args.name,
        as_of=args.as_of,
        roles={  # a column name is kept as written (spaces too); ROLE= unsets the role
            role: column or None
            for role, column in _pairs(
                args.role, "--role", "ROLE=COLUMN", "amount=Sales", strip=False
            ).items()
        },
        replace=args.replace,
        top_categories=args.top_categories,
        on_duplicate=args.on_duplicate,
        progress=_progress(args),
    )
    lines = [
        f"Built {result.table!r}: {result.customers:,} customers, as of {result.as_of}.",
        f"Features: {', '.join(result.features)}",
    ]
    lines += [
        f"Left out: {n:,} {what.replace('_', ' ')}" for what, n in result.excluded.items() if n
    ]
    lines += [
        f"Not built: {feat} (give a column the '{why}' role to add it)"
        if why in ROLES
        else f"Not used: {feat}: {why}"
        for feat, why in result.missing.items()
    ]
    return result.to_dict(), "\n".join(lines)


def _pairs(
    pairs: list[str],
    option: str,
    form: str = "KEY=VALUE",
    example: str = "n_init=20",
    *,
    strip: bool = True,
) -> dict[str, str]:
    """``KEY=VALUE`` options as a dict; keys trimmed, values too unless ``strip`` is False."""
    from ..errors import InvalidParameterError

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidParameterError(
                f"The '{option}' option must be {form}, e.g. {option} {example}. Got {pair!r}."
            )
        out[key.strip()] = value.strip() if strip else value
    return out


def _columns(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


def _cmd_run(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..errors import InvalidParameterError

    ws = _workspace(args)
    if args.recipe:
        from ..segment.recipe import read_recipe, run_recipe

        run = run_recipe(ws, read_recipe(args.recipe), refit=args.refit, progress=_progress(args))
    else:
        from ..segment.registry import get_algorithm
        from ..segment.runs import run_segmentation

        if not args.table:
            raise InvalidParameterError("Name a TABLE to segment, or give --recipe FILE.")
        params: dict[str, Any] = _pairs(args.param, "--param")
        if args.k is not None:
            k_param = get_algorithm(args.algorithm).k_param
            if k_param is None:
                raise InvalidParameterError(
                    f"--k does not apply to {args.algorithm}: it finds its own number of "
                    "segments. Use --param instead."
                )
            params[k_param] = args.k
        run = run_segmentation(
            ws,
            args.table,
            algorithm=args.algorithm,
            params=params,
            features=_columns(args.features),
            seed=args.seed,
            name=args.name,
            progress=_progress(args),
        )
    lines = [
        f"Run {run.run_id} ({run.name}): {run.customers:,} customers in "
        f"{len(run.segments)} segments."
    ]
    lines += [f"  {s.segment_id:>3}  {s.name:<24} {s.size:>10,}" for s in run.segments]
    metrics = {k: v for k, v in run.metrics.items() if isinstance(v, float)}
    lines += ["  " + ", ".join(f"{k} {v:.3f}" for k, v in metrics.items())] if metrics else []
    lines += [f"note: {n}" for n in run.notes]
    return run.to_dict(), "\n".join(lines)


def _k_range(text: str) -> range:
    from ..errors import InvalidParameterError

    low, sep, high = text.partition("-")
    try:
        return range(int(low), int(high if sep else low) + 1)
    except ValueError:
        raise InvalidParameterError(
            f"The '--k' option must be a range such as 2-12. Got {text!r} instead."
        ) from None


def _cmd_sweep(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..segment.runs import sweep

    result = sweep(
        _workspace(args),
        args.table,
        algorithm=args.algorithm,
        ks=_k_range(args.k),
        features=_columns(args.features),
        seed=args.seed,
        progress=_progress(args),
    )
    frame = result.to_frame()
    data = {
        "table": args.table,
        "algorithm": args.algorithm,
        "results": json.loads(frame.to_json(orient="records")),
        "recommended_k": result.recommended_k,
        "elbow_k": result.elbow_k,
        "reason": result.reason,
        "silhouette_sample_size": result.silhouette_sample_size,
    }
    text = frame.to_string(index=False) + f"\nRecommended: {result.reason}"
    return data, text


def _cmd_runs(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..segment.runs import list_runs

    runs = list_runs(_workspace(args))
    data = {"runs": [{k: v for k, v in r.to_dict().items() if k != "recipe"} for r in runs]}
    if not runs:
        return data, "No runs yet. Make one with `segment run TABLE --algorithm kmeans --k 6`."
    lines = [f"{'run':<6} {'algorithm':<9} {'segments':>8} {'customers':>10}  name"]
    lines += [
        f"{r.run_id:<6} {r.algorithm:<9} {len(r.segments):>8} {r.customers:>10,}  {r.name}"
        for r in runs
    ]
    return data, "\n".join(lines)


def _cmd_recipe(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..segment.recipe import recipe_of, recipe_toml, write_recipe

    ws = _workspace(args)
    if args.out:
        path = write_recipe(ws, args.run_id, args.out)
        return {"run_id": args.run_id, "file": str(path)}, f"Wrote {path}"
    return recipe_of(ws, args.run_id), recipe_toml(ws, args.run_id)


def _cmd_rename_run(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..segment.runs import rename_run

    run = rename_run(_workspace(args), args.run_id, args.name)
    return {"run_id": run.run_id, "name": run.name}, f"Run {run.run_id} is now {run.name!r}."


def _cmd_delete_run(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..segment.runs import delete_run

    delete_run(_workspace(args), args.run_id)
    return {"deleted": args.run_id}, f"Deleted run {args.run_id}."


def _cmd_rename_table(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    _workspace(args).rename_table(args.old, args.new)
    return {"renamed": args.old, "to": args.new}, f"Renamed {args.old!r} to {args.new!r}."


def _cmd_drop_table(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    _workspace(args).drop_table(args.name)
    return {"dropped": args.name}, f"Deleted table {args.name!r}."


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `segment` console script; returns the exit code."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)  # exits with 2 on usage errors
    if getattr(args, "pass_through", False):
        args.options = extra  # `segment bench ...`: the benchmark's own options
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    from ..errors import SegmentationError

    try:
        result = args.run(args)
    except SegmentationError as exc:
        return _fail(args, str(exc))
    except KeyboardInterrupt:
        return _fail(args, "Interrupted; the workspace was left as it was.")
    except Exception as exc:  # a bug: say so plainly, without a traceback
        if str(exc) == "Query interrupted":  # DuckDB's answer to Ctrl-C during a statement
            return _fail(args, "Interrupted; the workspace was left as it was.")
        if os.environ.get("SEGMENT_DEBUG"):
            raise
        return _fail(
            args,
            f"Unexpected error ({type(exc).__name__}: {exc}). Set SEGMENT_DEBUG=1 "
            "to see the details, and please report it.",
        )
    if isinstance(result, int):  # a command that printed its own output (segment bench)
        return result
    data, text = result
    try:
        print(json.dumps(data, default=str) if args.json else text)
        sys.stdout.flush()
    except BrokenPipeError:  # `segment ... | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _fail(args: argparse.Namespace, message: str) -> int:
    print(f"segment: error: {message}", file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
