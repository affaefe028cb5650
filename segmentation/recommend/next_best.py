"""Next best products per customer: fit, recommend for everyone, evaluate, store as a named set.

>>> rec = recommend(ws, "r1", method="item-knn", top=10)  # doctest: +SKIP
>>> rec.evaluation["map"] > rec.evaluation["baselines"]["popular"]["map"]  # doctest: +SKIP
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError, TableNotFoundError, param_error
from ..segment.runs import get_run
from ..workspace import Workspace
from . import store
from .evaluate import Evaluation, K, evaluate
from .matrix import NO_SEGMENT, Interactions, load_interactions
from .methods import DEFAULT_METHOD, make_method
from .pick import MODEL, recommend_rows
from .source import Lines, purchase_lines

Progress = Callable[[float, str], None]
MIN_PRODUCTS = 2  # customers with fewer distinct products get their segment's top products


def recommend(
    ws: Workspace,
    source: str,
    *,
    method: str = DEFAULT_METHOD,
    top: int = K,
    include_bought: bool = False,
    evaluate_first: bool = True,
    name: str | None = None,
    seed: int = 0,
    min_products: int = MIN_PRODUCTS,
    progress: Progress | None = None,
) -> store.RecommendationSet:
    """Recommend ``top`` products to every customer of a run (or transactions table) and store
    the set; with ``evaluate_first`` the leave-last-order-out evaluation is stored with it."""
    report = progress or (lambda share, text: None)
    if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= 100:
        raise param_error("top", "an int in the range [1, 100]", top)
    make_method(method)  # checks the name before any work
    report(0.0, "Reading the purchases")
    lines = purchase_lines(ws, source)
    data = load_interactions(ws, lines)
    check_products(data, lines)
    evaluation: Evaluation | None = None
    if evaluate_first:
        report(0.1, "Evaluating on each customer's last order")
        evaluation = evaluate(
            data, method, seed=seed, min_products=min_products,
            report=lambda s: report(0.1 + 0.4 * s, "Evaluating on each customer's last order"),
        )  # fmt: skip
    report(0.5, f"Fitting {method} on every purchase")
    model = make_method(method, seed=seed).fit(data.full, data.segments)
    fallback = make_method("segment-popular").fit(data.full, data.segments)
    picked = recommend_rows(
        model, fallback, np.arange(data.shape[0]), data.full, top,
        exclude_bought=not include_bought, min_products=min_products,
        report=lambda s: report(0.55 + 0.35 * s, "Recommending for every customer"),
    )  # fmt: skip
    report(0.9, "Saving the recommendations")
    rows = _rows(ws, data, lines, picked, method)
    meta = {
        "name": name or _default_name(ws, source, method),
        "source": source,
        "run_id": lines.run_id,
        "method": method,
        "top": top,
        "include_bought": include_bought,
        "customers": int(data.shape[0]),
        "products": int(rows["product"].nunique()),
        "fallback_customers": int(picked.fallback.sum()),
        "evaluation": evaluation.to_dict() if evaluation else None,
        "params": {"seed": seed, "min_products": min_products, "table": lines.table},
    }
    record = store.save_set(ws, meta, rows, _texts(ws, lines))
    report(1.0, "Done")
    return record


def check_products(data: Interactions, lines: Lines) -> None:
    """A shop needs at least two products for anything to be recommended."""
    if data.shape[1] < 2:
        raise InvalidParameterError(
            f"Table {lines.table!r} has only one product among its purchases; there is nothing "
            "else to recommend. Recommendations need at least 2 products: check the product role."
        )


def evaluate_source(
    ws: Workspace, source: str, *, method: str = DEFAULT_METHOD, seed: int = 0
) -> Evaluation:
    """The leave-last-order-out evaluation of ``method`` on a run or table, without storing."""
    make_method(method)
    lines = purchase_lines(ws, source)
    data = load_interactions(ws, lines)
    check_products(data, lines)
    return evaluate(data, method, seed=seed, min_products=MIN_PRODUCTS)


def customer_recommendations(
    ws: Workspace, recommendation_id: str, customer_id: str
) -> pd.DataFrame:
    """One customer's recommendations (``rank, product, description, score, reason``)."""
    frame = store.read_rows(ws, recommendation_id, customer_id=str(customer_id))
    if frame.empty:
        record = store.get_set(ws, recommendation_id)
        raise TableNotFoundError(
            f"No customer with that id is in recommendation set {record.recommendation_id} "
            f"({record.customers:,} customers of {record.source}); check the id, or make a set "
            "for the run the customer belongs to."
        )
    return frame.drop(columns="customer_id")


def _rows(ws, data: Interactions, lines: Lines, picked, method: str) -> pd.DataFrame:
    n_rows, top = picked.items.shape
    valid = picked.items.ravel() >= 0
    owner = np.repeat(np.arange(n_rows), top)[valid]
    because = picked.because.ravel()[valid]
    from_model = picked.source.ravel()[valid] == MODEL
    label = {"popular": "popular", "segment-popular": "segment"}.get(method, "model")
    has_segments = data.segments[0] != NO_SEGMENT if len(data.segments) else False
    names = _segment_names(ws, lines.run_id)
    frame = pd.DataFrame(
        {
            "customer_id": data.customers[owner],
            "rank": np.tile(np.arange(1, top + 1), n_rows)[valid],
            "product": data.products[picked.items.ravel()[valid]],
            "score": picked.scores.ravel()[valid],
            "because": np.where(because >= 0, data.products[np.maximum(because, 0)], None),
            "source": np.where(from_model, label, "segment" if has_segments else "popular"),
            "segment": pd.Series(data.segments[owner]).map(names).to_numpy(),
        }
    )
    # ranks stay 1..n without gaps when a customer got fewer than ``top`` products
    frame["rank"] = frame.groupby("customer_id", sort=False).cumcount() + 1
    return frame


def _segment_names(ws: Workspace, run_id: str | None) -> dict[int, str]:
    if run_id is None:
        return {}
    return {s.segment_id: s.name for s in get_run(ws, run_id).segments}


def _texts(ws: Workspace, lines: Lines) -> pd.DataFrame:
    if lines.description is None:
        return pd.DataFrame({"product": pd.Series(dtype=str), "description": pd.Series(dtype=str)})
    return ws.query_df(
        f"SELECT product, mode(description) AS description FROM ({lines.sql}) "
        "WHERE description IS NOT NULL GROUP BY product",
        lines.params,
    )


def _default_name(ws: Workspace, source: str, method: str) -> str:
    taken = {s.name for s in store.list_sets(ws)}
    base = f"{method} for {source}"
    name, k = base, 2
    while name in taken:
        name, k = f"{base} ({k})", k + 1
    return name
