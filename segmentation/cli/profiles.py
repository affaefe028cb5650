"""`segment profile` and `segment rename`: read, name and report a run's segments."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(sub, shared) -> None:
    p = sub.add_parser(
        "profile", help="profile a run's segments: sizes, revenue, index, names, rules"
    )
    p.add_argument("run_id")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")
    p.add_argument("--seed", type=int, default=0, help="seed of the rules' sample (default 0)")
    p.add_argument(
        "--prediction",
        metavar="ID",
        help="a stored prediction: each segment's predicted value (80%% range), churn risk",
    )

    def profile(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
        from ..profiles.build import build_profile, save_segment_names
        from ..profiles.report import write_report

        ws = shared.workspace(args)
        result = build_profile(ws, args.run_id, seed=args.seed)
        save_segment_names(ws, result)  # the names shown are kept with the run
        text = _profile_text(result)
        data = result.to_dict()
        if args.prediction:
            data["predicted"], more = _predicted(ws, args.prediction, args.run_id)
            text += "\n\n" + more
        if args.html:
            path = write_report(ws, args.run_id, args.html, profile=result)
            text += f"\n\nWrote the report to {path}"
        return data, text

    p.set_defaults(run=profile)

    p = sub.add_parser("rename", help="rename a segment of a run")
    p.add_argument("run_id")
    p.add_argument("segment_id", type=int)
    p.add_argument("name")

    def rename(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
        from ..segment.runs import rename_segment

        run = rename_segment(shared.workspace(args), args.run_id, args.segment_id, args.name)
        name = next(s.name for s in run.segments if s.segment_id == args.segment_id)
        data = {
            "run_id": run.run_id,
            "segment_id": args.segment_id,
            "name": name,
            "segments": [{"segment_id": s.segment_id, "name": s.name} for s in run.segments],
        }
        return data, f"Segment {args.segment_id} of run {run.run_id} is now {name!r}."

    p.set_defaults(run=rename)


def _profile_text(profile) -> str:
    lines = [f"Run {profile.run_id}: {profile.run_name} ({profile.customers:,} customers)"]
    for s in profile.segments:
        revenue = "" if s.revenue_share is None else f", {s.revenue_share:.0%} of revenue"
        lines += [
            "",
            f"{s.segment_id}. {s.name}: {s.size:,} customers ({s.share:.0%}{revenue})",
            f"   {s.description}",
        ]
        for rule in s.rules:
            lines.append(f"   rule: {rule}")
        if s.rules:
            lines.append(f"   precision {s.rule_precision:.0%}, recall {s.rule_recall:.0%}")
        if s.action:
            lines.append(f"   suggested action: {s.action}")
    if profile.fidelity is not None:
        lines += ["", f"The rules place {profile.fidelity:.0%} of customers in their segment."]
    return "\n".join(lines)


def _predicted(ws, prediction: str, run_id: str) -> tuple[list[dict[str, Any]], str]:
    """Per segment: predicted value over the prediction's horizon with its 80% range, and the
    share of customers at high churn risk."""
    from ..predict.view import run_totals

    totals = run_totals(ws, prediction, run_id)
    keep = ["segment_id", "segment", "customers", "expected_orders", "clv", "clv_low", "clv_high",
            "share_high_churn_risk"]  # fmt: skip
    rows = totals[keep].to_dict(orient="records")
    lines = [f"Predicted value ({prediction}), 80% range, share at high churn risk:"]
    lines += [
        f"{r['segment_id']}. {r['segment']}: {r['clv']:,.0f} ({r['clv_low']:,.0f} to "
        f"{r['clv_high']:,.0f}), {r['share_high_churn_risk']:.0%} at high risk"
        for r in rows
    ]
    return [
        {k: (int(v) if k in ("segment_id", "customers") else v) for k, v in r.items()} for r in rows
    ], "\n".join(lines)
