"""What each segment buys more than everyone: top products (or categories) by lift.

For a segment s and product p: ``share`` = buyers of p in s / customers of s with a purchase,
``overall_share`` = buyers of p / all customers with a purchase, ``lift`` = share /
overall_share. Products with fewer than ``min_buyers`` buyers in the segment are left out, and
the ranking is by the lower end of the lift's 95% interval (Wilson's interval of the share over
the overall share), so a product two customers of a tiny segment bought does not top the list.
"""

from __future__ import annotations

import pandas as pd

from ..errors import InvalidParameterError, param_error
from ..segment.runs import get_run
from ..workspace import META, Workspace
from .source import MissingRoleError, purchase_lines

Z = 1.959963984540054  # the 97.5% normal quantile: 95% intervals
COLUMNS = [
    "segment_id", "segment", "rank", "value", "description", "buyers", "segment_customers",
    "share", "overall_share", "lift", "lift_low", "lift_high",
]  # fmt: skip


def segment_top(
    ws: Workspace,
    run_id: str,
    *,
    dimension: str = "product",
    segment_id: int | None = None,
    min_buyers: int = 5,
    n: int = 10,
) -> pd.DataFrame:
    """The top ``n`` products (``dimension="category"``: categories) of each segment by lift.

    >>> segment_top(ws, "r1", n=3).columns.tolist()[:4]  # doctest: +SKIP
    ['segment_id', 'segment', 'rank', 'value']
    """
    if dimension not in ("product", "category"):
        raise param_error("dimension", "'product' or 'category'", dimension)
    for label, value in (("min_buyers", min_buyers), ("n", n)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise param_error(label, "an int of at least 1", value)
    run = get_run(ws, run_id)
    lines = purchase_lines(ws, run_id)
    if dimension == "category" and not lines.has_category:
        raise MissingRoleError(
            f"Table {lines.table!r} has no category role; set it on the Data page to see each "
            "segment's top categories."
        )
    if segment_id is not None:
        check_segment(run, int(segment_id))
    texts = (
        f"SELECT product AS value, mode(description) AS description FROM ({lines.sql}) "
        "GROUP BY product"
        if lines.description and dimension == "product"
        else "SELECT NULL AS value, NULL AS description"
    )
    params = [*lines.params, run_id, *(lines.params if "FROM (" in texts else [])]
    names = {s.segment_id: s.name for s in run.segments}
    rows = ws.query(
        f"""WITH l AS (SELECT DISTINCT l.customer_id, l.{dimension} AS value, a.segment_id
            FROM ({lines.sql}) l JOIN {META}.assignments a
                ON a.customer_id = l.customer_id AND a.run_id = ?
            WHERE l.{dimension} IS NOT NULL),
        texts AS ({texts}),
        sizes AS (SELECT segment_id, count(DISTINCT customer_id) AS n FROM l GROUP BY segment_id),
        everyone AS (SELECT count(DISTINCT customer_id) AS n FROM l),
        overall AS (SELECT value, count(DISTINCT customer_id) AS b FROM l GROUP BY value),
        buyers AS (SELECT segment_id, value, count(*) AS b FROM l GROUP BY segment_id, value),
        scored AS (
            SELECT b.segment_id, b.value, t.description, b.b, s.n, b.b / s.n AS share,
                o.b / e.n AS overall_share,
                (b.b / s.n + ? * ? / (2 * s.n)) / (1 + ? * ? / s.n) AS centre,
                ? * sqrt(b.b / s.n * (1 - b.b / s.n) / s.n + ? * ? / (4 * s.n * s.n))
                    / (1 + ? * ? / s.n) AS half
            FROM buyers b JOIN sizes s USING (segment_id) JOIN overall o USING (value)
                LEFT JOIN texts t USING (value), everyone e
            WHERE b.b >= ? AND (? IS NULL OR b.segment_id = ?)
        ),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY segment_id
                ORDER BY (centre - half) / overall_share DESC, share DESC, value) AS rank
            FROM scored
        )
        SELECT segment_id, rank, value, description, b, n, share, overall_share,
            share / overall_share, greatest(centre - half, 0) / overall_share,
            least(centre + half, 1) / overall_share
        FROM ranked WHERE rank <= ? ORDER BY segment_id, rank""",
        [*params, *[Z] * 9, int(min_buyers), segment_id, segment_id, int(n)],
    )
    if segment_id is not None and not rows:
        _check_buyers(ws, lines, run, int(segment_id))
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "segment"])
    frame.insert(1, "segment", frame["segment_id"].map(names))
    return frame


def check_segment(run, segment_id: int) -> None:
    """A clear error for a segment the run lacks or that has no customers."""
    known = {s.segment_id: s for s in run.segments}
    if segment_id not in known:
        raise InvalidParameterError(
            f"Run {run.run_id} has no segment {segment_id} (segments: "
            f"{', '.join(str(s) for s in sorted(known))}); choose one of those."
        )
    if known[segment_id].size == 0:
        raise InvalidParameterError(
            f"Segment {segment_id} ({known[segment_id].name!r}) of run {run.run_id} has no "
            "customers, so it has nothing to recommend; choose another segment."
        )


def _check_buyers(ws: Workspace, lines, run, segment_id: int) -> None:
    buyers = ws.query(
        f"SELECT count(DISTINCT l.customer_id) FROM ({lines.sql}) l JOIN {META}.assignments a "
        "ON a.customer_id = l.customer_id AND a.run_id = ? WHERE a.segment_id = ?",
        [*lines.params, run.run_id, segment_id],
    )[0][0]
    if not buyers:
        name = {s.segment_id: s.name for s in run.segments}[segment_id]
        raise InvalidParameterError(
            f"Segment {segment_id} ({name!r}) of run {run.run_id} has no customers with a "
            f"purchase of a product in {lines.table!r}, so it has nothing to recommend; choose "
            "another segment."
        )
