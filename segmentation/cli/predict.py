"""`segment predict` and `segment predictions`: CLV, P(alive) and churn risk per customer."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(sub, shared) -> None:
    p = sub.add_parser(
        "predict",
        help="predict each customer's future orders, P(alive), CLV and churn risk (BTYD models)",
    )
    p.add_argument("table", help="a transactions table of the workspace")
    p.add_argument("--model", default="bgnbd", choices=("bgnbd", "mbgnbd", "paretonbd"))
    p.add_argument("--unit", default="week", choices=("day", "week", "month"))
    p.add_argument(
        "--calibration-end",
        metavar="DATE",
        help="fit on the lines up to and including DATE (YYYY-MM-DD); the rest is the holdout",
    )
    p.add_argument(
        "--horizon", type=float, metavar="N", help="units ahead (default: 365 days in units)"
    )
    p.add_argument(
        "--discount-rate", type=float, default=0.1, metavar="R", help="annual (default 0.1)"
    )
    p.add_argument("--name", help="the prediction's name (default: its id)")
    p.add_argument("--out", metavar="FILE", help="write the per-customer table (.csv or .parquet)")

    def predict(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
        from ..predict import parse_day, predict_table, write_customers

        ws = shared.workspace(args)
        result = predict_table(
            ws,
            args.table,
            model=args.model,
            unit=args.unit,
            calibration_end=parse_day(args.calibration_end, "--calibration-end"),
            horizon=args.horizon,
            discount_rate=args.discount_rate,
            name=args.name,
            progress=shared.progress(args),
        )
        data = result.to_dict()
        text = _text(data, result)
        if args.out:
            path = write_customers(result.customers, args.out)
            text += f"\nWrote {len(result.customers):,} customers to {path}"
        return data, text

    p.set_defaults(run=predict)

    p = sub.add_parser(
        "predict-features",
        help="a feature table with a prediction's columns joined (to segment on value)",
    )
    p.add_argument("features", help="a feature table of the workspace")
    p.add_argument("prediction", help="a stored prediction (id or name)")
    p.add_argument("--name", help="the new table (default FEATURES_PREDICTIONID)")
    p.add_argument("--replace", action="store_true", help="replace a table of that name")

    def predict_features(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
        from ..predict import join_prediction

        info = join_prediction(
            shared.workspace(args), args.features, args.prediction, name=args.name,
            replace=args.replace,
        )  # fmt: skip
        data = {"table": info.name, "rows": info.rows, "prediction_id": info.options["prediction"],
                "columns": [c.name for c in info.columns]}  # fmt: skip
        return data, (
            f"Made {info.name} ({info.rows:,} customers): {args.features} with predicted_clv, "
            "p_alive, expected_orders and churn_risk. Segment it with `segment run`."
        )

    p.set_defaults(run=predict_features)

    p = sub.add_parser("predictions", help="list the predictions kept in the workspace")

    def predictions(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
        from ..predict import list_predictions

        items = list_predictions(shared.workspace(args))
        lines = [
            f"{p['prediction_id']}  {p['name']}: {p['model']} on {p['table']}, "
            f"{p['customers']:,} customers, observed to {p['observation_end']}"
            for p in items
        ]
        return {"predictions": items}, "\n".join(lines) or "No predictions yet."

    p.set_defaults(run=predictions)


def _text(data: dict[str, Any], result) -> str:
    params = ", ".join(
        f"{k} = {'infinity' if v is None else f'{v:.4g}'}" for k, v in data["params"].items()
    )
    spend = data["spend"]
    lines = [
        f"Prediction {data['prediction_id']} ({data['model']}, in {data['unit']}s) of "
        f"{data['table']}: {data['customers']:,} customers, {data['repeat_customers']:,} "
        f"ordered more than once, observed to {data['observation_end']}.",
        f"Orders: {params}; log-likelihood {data['log_likelihood']:.1f}.",
        f"Spend: p = {spend['p']:.4g}, q = {spend['q']:.4g}, gamma = {spend['gamma']:.4g} "
        f"({spend['customers']:,} repeat customers).",
    ]
    if result.holdout is not None:
        lines += result.holdout.captions
    lines += [f"Warning: {w}" for w in data["warnings"]]
    return "\n".join(lines)
