"""Segment profiles a marketer can read, name and defend.

For each segment of a run: its size and share of customers, its revenue and share of revenue,
the mean and median of each feature with its index against all customers (segment mean /
overall mean x 100, the marketing convention) and its standardized difference ((segment mean -
overall mean) / overall standard deviation), the top categories, countries and products of its
purchases with their index, a generated name and description, readable rules from a shallow
decision tree (:mod:`.rules`), and a suggested action.

Aggregates over every customer run in DuckDB (the run's assignments joined to its feature table,
and to the source transactions).

>>> profile = build_profile(ws, "r1")  # doctest: +SKIP
>>> s = profile.segments[3]  # doctest: +SKIP
>>> s.name, f"{s.share:.0%} of customers", f"{s.revenue_share:.0%} of revenue"  # doctest: +SKIP
('Frequent big spenders', '15% of customers', '68% of revenue')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from ..errors import InvalidParameterError
from ..features.definitions import BEHAVIOURAL_FEATURES
from ..features.sql import customer_id_sql
from ..features.summaries import numeric_columns
from ..segment import rfm
from ..segment.runs import Run, get_run
from ..workspace.connection import META, Workspace, quote_ident
from . import naming

TOP_N = 5
DIMENSIONS = ("category", "country", "product")  # roles of the source lines profiled

PLAYBOOK: dict[str, str] = {
    "reward": "Reward: loyalty perks, early access, ask for reviews and referrals.",
    "nurture": "Nurture: a welcome series and recommendations that build the buying habit.",
    "upsell": "Upsell: higher-value products, bundles and the loyalty programme.",
    "win back": "Win back: personal e-mails, their favourite products and a strong offer.",
    "let go": "Let go: one low-cost reactivation campaign at most; do not spend much.",
}


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeatureProfile:
    """One feature in one segment."""

    mean: float | None
    median: float | None
    index: float | None  # segment mean / overall mean x 100 (None when the mean is <= 0)
    std_diff: float | None  # (segment mean - overall mean) / overall std

    def to_dict(self) -> dict[str, float | None]:
        return {"mean": self.mean, "median": self.median, "index": self.index}


@dataclass(frozen=True)
class SegmentProfile:
    """What describes one segment: size, revenue, features, rules, a suggested action."""

    segment_id: int
    name: str
    description: str
    size: int
    share: float
    revenue: float | None
    revenue_share: float | None
    features: dict[str, FeatureProfile]
    rules: list[str]
    rule_precision: float
    rule_recall: float
    action: str | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `segment --json profile` for one segment."""
        return {
            "segment_id": self.segment_id,
            "name": self.name,
            "description": self.description,
            "size": self.size,
            "share": self.share,
            "revenue_share": self.revenue_share,
            "features": {f: p.to_dict() for f, p in self.features.items()},
            "rules": list(self.rules),
            "rule_precision": self.rule_precision,
            "rule_recall": self.rule_recall,
            "action": self.action,
        }


@dataclass(frozen=True)
class RunProfile:
    """The profile of every segment of a run (:func:`build_profile`).

    ``top_values`` holds columns ``dimension, segment_id, rank, value, share, overall_share,
    index``; ``sample`` a seeded sample of customers (``segment_id`` and the features) for
    distributions.
    """

    run_id: str
    run_name: str
    algorithm: str
    created_at: str
    customers: int
    features: list[str]
    overall: dict[str, dict[str, float | None]]
    segments: list[SegmentProfile]
    fidelity: float | None
    rule_features: list[str]
    rule_sample_size: int
    top_values: pd.DataFrame
    sample: pd.DataFrame
    has_revenue: bool
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """``{"run_id", "fidelity", "segments": [...]}``: the JSON of `segment profile`."""
        return {
            "run_id": self.run_id,
            "fidelity": self.fidelity,
            "segments": [s.to_dict() for s in self.segments],
        }

    @property
    def names(self) -> dict[int, str]:
        return {s.segment_id: s.name for s in self.segments}

    def segment(self, segment_id: int) -> SegmentProfile:
        """One segment's profile, or an error listing the segments there are."""
        for s in self.segments:
            if s.segment_id == segment_id:
                return s
        raise InvalidParameterError(
            f"Run {self.run_id} has no segment {segment_id!r}; its segments are "
            f"{', '.join(str(s.segment_id) for s in self.segments)}."
        )

    def renamed(self, run: Run) -> RunProfile:
        """This profile with the names and descriptions the run has now (cheap: no query)."""
        current = {s.segment_id: s for s in run.segments}
        segments = [
            replace(
                s,
                name=current[s.segment_id].name,
                description=current[s.segment_id].description or s.description,
            )
            if s.segment_id in current
            else s
            for s in self.segments
        ]
        return replace(self, segments=segments, run_name=run.name)

    def summary_frame(self) -> pd.DataFrame:
        """One row per segment: id, name, size, share, revenue share, action, description."""
        return pd.DataFrame(
            [
                {
                    "segment_id": s.segment_id,
                    "segment": s.name,
                    "size": s.size,
                    "share": s.share,
                    "revenue_share": s.revenue_share,
                    "action": s.action,
                    "description": s.description,
                }
                for s in self.segments
            ]
        )

    def feature_frame(self, what: str = "index", *, words: bool = False) -> pd.DataFrame:
        """Segments (rows, by name) x features: ``index``, ``std_diff``, ``mean`` or ``median``.

        ``words``: columns named in plain words ("days since last order") for charts.
        """
        if what not in ("index", "std_diff", "mean", "median"):
            raise InvalidParameterError(
                "The 'what' parameter must be one of 'index', 'std_diff', 'mean', 'median'. "
                f"Got {what!r} instead."
            )
        return pd.DataFrame(
            [[getattr(s.features[f], what) for f in self.features] for s in self.segments],
            index=[s.name for s in self.segments],
            columns=[naming.feature_words(f) if words else f for f in self.features],
            dtype=float,
        )

    def segment_features(self, segment_id: int) -> pd.DataFrame:
        """One segment's features in plain words: mean, median, everyone's mean, index."""
        s = self.segment(segment_id)
        return pd.DataFrame(
            [
                {
                    "feature": naming.feature_words(f),
                    "mean": s.features[f].mean,
                    "median": s.features[f].median,
                    "all customers": self.overall[f]["mean"],
                    "index": s.features[f].index,
                    "std. difference": s.features[f].std_diff,
                }
                for f in self.features
            ]
        )

    def compare(self, a: int, b: int | None = None) -> pd.DataFrame:
        """Index of each feature (rows, in words) in segment ``a`` and in ``b`` (columns, by
        name); ``b`` None gives ``a`` alone, to compare with everyone (index 100)."""
        chosen = [self.segment(a)] + ([self.segment(b)] if b is not None else [])
        return pd.DataFrame(
            {s.name: [s.features[f].index for f in self.features] for s in chosen},
            index=pd.Index([naming.feature_words(f) for f in self.features], name="feature"),
            dtype=float,
        )

    def top(self, segment_id: int, dimension: str) -> pd.DataFrame:
        """The top values of a dimension ('category', 'country', 'product') in a segment."""
        t = self.top_values
        rows = t[(t["segment_id"] == segment_id) & (t["dimension"] == dimension)]
        return rows[["value", "share", "overall_share", "index"]].reset_index(drop=True)

    @property
    def top_basis(self) -> str:
        """What the top values' shares are of: 'purchase revenue', 'lines' or 'customers'."""
        basis = self.top_values.get("basis")
        return str(basis.iloc[0]) if basis is not None and len(basis) else "purchase revenue"

    @property
    def dimensions(self) -> list[str]:
        """The dimensions with top values (those the source lines have)."""
        return [d for d in DIMENSIONS if d in set(self.top_values["dimension"])]

    def distribution(self, feature: str) -> pd.DataFrame:
        """``segment, value`` of a feature for the sampled customers (for box plots)."""
        if feature not in self.features:
            raise InvalidParameterError(
                f"The 'feature' parameter must be one of {', '.join(self.features)}. "
                f"Got {feature!r} instead."
            )
        names = self.names
        frame = self.sample[["segment_id", feature]].dropna()
        return pd.DataFrame(
            {"segment": frame["segment_id"].map(names), "value": frame[feature].astype(float)}
        )


@dataclass(frozen=True)
class SegmentStats:
    """Per-segment aggregates of a run's features over every customer (:func:`segment_stats`)."""

    features: list[str]
    sizes: pd.Series  # segment_id -> customers
    mean: pd.DataFrame  # segment_id x feature
    median: pd.DataFrame
    overall_mean: pd.Series
    overall_median: pd.Series
    overall_std: pd.Series
    revenue: pd.Series | None  # segment_id -> sum of monetary, where the table has it

    @property
    def index(self) -> pd.DataFrame:
        base = self.overall_mean.where(self.overall_mean > 0)
        return self.mean.div(base, axis=1) * 100

    @property
    def std_diff(self) -> pd.DataFrame:
        spread = self.overall_std.where(self.overall_std > 0)
        return self.mean.sub(self.overall_mean, axis=1).div(spread, axis=1)


# -- aggregates ------------------------------------------------------------------------------
def _run_table(ws: Workspace, run: Run) -> tuple[str, str]:
    """The run's customer table and the SQL of its customer id as the assignments store it."""
    info = ws.table(run.table)
    id_column = info.roles.get("customer_id")
    if id_column is None:
        raise InvalidParameterError(
            f"Table {run.table!r} of run {run.run_id} has no customer_id role; set one on the "
            "Data page."
        )
    return run.table, f"CAST(f.{quote_ident(id_column)} AS VARCHAR)"


def profile_features(ws: Workspace, run: Run) -> list[str]:
    """The features a profile shows: the run's own numeric features, then the behavioural ones."""
    info = ws.table(run.table)
    id_column = info.roles.get("customer_id")
    numeric = [c for c in numeric_columns(ws, run.table) if c != id_column]
    chosen = [c for c in _run_features(run) if c in numeric]
    if run.algorithm == "rfm" and not chosen:
        lower = {c.lower(): c for c in numeric}
        chosen = [lower[c] for c in ("recency_days", "frequency", "monetary") if c in lower]
    extra = [c for c in BEHAVIOURAL_FEATURES if c in numeric and c not in chosen]
    return (chosen + extra) or numeric[:12]


def _run_features(run: Run) -> list[str]:
    return list((run.recipe.get("features") or {}).get("features") or [])


def _revenue_column(ws: Workspace, table: str) -> str | None:
    lower = {c.lower(): c for c in numeric_columns(ws, table)}
    return lower.get("monetary")


def segment_stats(ws: Workspace, run_id: str, features: list[str] | None = None) -> SegmentStats:
    """Size, mean, median and revenue per segment, and everyone's mean, median and std.

    One DuckDB query over the run's assignments joined to its customer table.
    """
    run = get_run(ws, run_id)
    table, id_sql = _run_table(ws, run)
    features = features or profile_features(ws, run)
    revenue = _revenue_column(ws, table)
    cols = [f"CAST(f.{quote_ident(c)} AS DOUBLE)" for c in features]
    select = ["a.segment_id", "count(*)"]
    for col in cols:
        select += [f"avg({col})", f"median({col})", f"stddev_pop({col})"]
    select.append(f"sum(f.{quote_ident(revenue)})" if revenue else "NULL")
    rows = ws.query(
        f"SELECT {', '.join(select)} FROM {META}.assignments a "
        f"JOIN {quote_ident(table)} f ON a.customer_id = {id_sql} "
        "WHERE a.run_id = ? GROUP BY GROUPING SETS ((a.segment_id), ()) ORDER BY a.segment_id",
        [run_id],
    )
    overall = next(r for r in rows if r[0] is None)
    per_segment = [r for r in rows if r[0] is not None]
    ids = [int(r[0]) for r in per_segment]

    def frame(offset: int) -> pd.DataFrame:
        values = [[_num(r[2 + 3 * i + offset]) for i in range(len(features))] for r in per_segment]
        return pd.DataFrame(values, index=ids, columns=features, dtype=float)

    def series(offset: int) -> pd.Series:
        return pd.Series(
            [_num(overall[2 + 3 * i + offset]) for i in range(len(features))],
            index=features,
            dtype=float,
        )

    return SegmentStats(
        features=list(features),
        sizes=pd.Series([int(r[1]) for r in per_segment], index=ids, dtype="int64"),
        mean=frame(0),
        median=frame(1),
        overall_mean=series(0),
        overall_median=series(1),
        overall_std=series(2),
        revenue=(
            pd.Series([_num(r[-1]) or 0.0 for r in per_segment], index=ids, dtype=float)
            if revenue
            else None
        ),
    )


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _clean(value: Any) -> float | None:
    """A float for JSON: NaN and infinities become None."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def customer_sample(
    ws: Workspace, run_id: str, features: list[str], *, sample: int = 50_000, seed: int = 0
) -> pd.DataFrame:
    """A seeded sample of at most ``sample`` customers: ``segment_id`` and the features.

    The sample is the customers with the smallest hash of (customer id, seed): the same every
    time, and spread evenly over the segments.
    """
    if not isinstance(sample, int) or isinstance(sample, bool) or sample < 100:
        raise InvalidParameterError(
            f"The 'sample' parameter must be an int of at least 100. Got {sample!r} instead."
        )
    run = get_run(ws, run_id)
    table, id_sql = _run_table(ws, run)
    select = ", ".join(f"CAST(f.{quote_ident(c)} AS DOUBLE) AS {quote_ident(c)}" for c in features)
    return ws.query_df(
        f"SELECT a.segment_id, {select} FROM {META}.assignments a "
        f"JOIN {quote_ident(table)} f ON a.customer_id = {id_sql} WHERE a.run_id = ? "
        "ORDER BY hash(a.customer_id, ?), a.customer_id LIMIT ?",
        [run_id, int(seed), int(sample)],
    )


# -- top categories, countries, products ------------------------------------------------------
def top_values(ws: Workspace, run_id: str, *, n: int = TOP_N) -> pd.DataFrame:
    """The top ``n`` categories, countries and products of each segment, with their index.

    Read from the source lines of the run's feature table (its catalog options name the source
    and the roles used), joined to the run's assignments by customer id in DuckDB. ``share`` is
    the value's share of the segment's purchase revenue (of its lines where there is no amount,
    of its customers for a customer table); ``overall_share`` the same among all the run's
    customers; ``index`` = share / overall_share x 100. Empty when there is no source.
    """
    run = get_run(ws, run_id)
    source = _source_lines(ws, run)
    columns = ["dimension", "segment_id", "rank", "value", "share", "overall_share", "index"]
    if source is None:
        return pd.DataFrame(columns=[*columns, "basis"])
    lines_sql, params, dims, basis = source
    values = [f"v{i}" for i in range(len(dims))]
    which = " ".join(f"WHEN GROUPING({v}) = 0 THEN {i}" for i, v in enumerate(values))
    value = " ".join(f"WHEN GROUPING({v}) = 0 THEN {v}" for v in values)
    sets = ", ".join(f"(a.segment_id, {v})" for v in values)
    rows = ws.query(
        f"""WITH lines AS ({lines_sql}),
by_segment AS (
    SELECT * FROM (
        SELECT a.segment_id, CASE {which} END AS d, CASE {value} END AS value, sum(l.w) AS w
        FROM lines l JOIN {META}.assignments a ON a.customer_id = l.customer_id AND a.run_id = ?
        GROUP BY GROUPING SETS ({sets})
    ) AS grouped
    WHERE value IS NOT NULL
),
segment_totals AS (SELECT d, segment_id, sum(w) AS total FROM by_segment GROUP BY d, segment_id),
everyone AS (
    SELECT d, value, sum(w) / nullif(sum(sum(w)) OVER (PARTITION BY d), 0) AS overall_share
    FROM by_segment GROUP BY d, value
),
ranked AS (
    SELECT b.d, b.segment_id, b.value, b.w / nullif(t.total, 0) AS share, e.overall_share,
        row_number() OVER (PARTITION BY b.d, b.segment_id ORDER BY b.w DESC, b.value) AS rank
    FROM by_segment b JOIN segment_totals t USING (d, segment_id) JOIN everyone e USING (d, value)
)
SELECT d, segment_id, rank, value, share, overall_share, share / nullif(overall_share, 0) * 100
FROM ranked WHERE rank <= ? ORDER BY d, segment_id, rank""",
        [*params, run_id, int(n)],
    )
    frame = pd.DataFrame(rows, columns=["d", *columns[1:]])
    frame.insert(0, "dimension", [dims[int(i)] for i in frame.pop("d")])
    return frame.assign(basis=basis)


def _source_lines(ws: Workspace, run: Run) -> tuple[str, list[Any], list[str], str] | None:
    """SQL of the source rows (``customer_id, w, v0, v1, ...``: one value column per
    dimension), its parameters, the dimensions and what the weight ``w`` counts."""
    info = ws.table(run.table)
    if info.kind == "features":
        name = info.options.get("source")
        roles = dict(info.options.get("roles") or {})
        if not name or not ws.has_table(name):
            return None
        source = ws.table(name)
    else:
        source, roles = info, info.roles
    types = {c.name: c.type for c in source.columns}
    present = {c.name for c in source.columns}
    roles = {r: c for r, c in roles.items() if c in present}
    dims = {
        d: f"nullif(trim(CAST({quote_ident(roles[d])} AS VARCHAR)), '')"
        for d in DIMENSIONS
        if d in roles
    }
    if "customer_id" not in roles or not dims:
        return None
    cid = customer_id_sql(roles["customer_id"], types.get(roles["customer_id"], "VARCHAR"))
    where, params = ["TRUE"], []
    if source.kind != "transactions":
        weight = "1.0"
    elif "amount" in roles:
        weight = f"CAST({quote_ident(roles['amount'])} AS DOUBLE)"
    elif "quantity" in roles and "unit_price" in roles:
        weight = (
            f"CAST({quote_ident(roles['quantity'])} AS DOUBLE) * "
            f"CAST({quote_ident(roles['unit_price'])} AS DOUBLE)"
        )
    else:
        weight = "1.0"
    basis = "customers" if source.kind != "transactions" else "lines"
    if weight != "1.0":
        basis = "purchase revenue"
        where.append(f"{weight} >= 0")  # purchases only: returns are negative
    as_of = info.options.get("as_of") if info.kind == "features" else None
    if source.kind == "transactions" and "timestamp" in roles and as_of:
        where.append(f"CAST({quote_ident(roles['timestamp'])} AS DATE) < CAST(? AS DATE)")
        params.append(as_of)
    fields = [f"{cid} AS customer_id", f"{weight} AS w"]
    fields += [f"{sql} AS v{i}" for i, sql in enumerate(dims.values())]
    sql = f"SELECT {', '.join(fields)} FROM {quote_ident(source.name)} WHERE {' AND '.join(where)}"
    return sql, params, list(dims), basis


# -- actions ---------------------------------------------------------------------------------
def suggest_action(run: Run, segment_id: int, index: pd.Series) -> str | None:
    """A suggested next step from an RFM-style playbook (reward, nurture, upsell, win back,
    let go): the standard action of an RFM segment, else read from the recency, frequency and
    monetary indices. None when those features are missing."""
    if run.algorithm == "rfm" and 1 <= segment_id <= len(rfm.SEGMENTS):
        return rfm.ACTIONS[rfm.SEGMENTS[segment_id - 1]]
    if segment_id == 0:
        return None
    recency = index.get("recency_days")
    value = [v for v in (index.get("frequency"), index.get("monetary")) if _clean(v) is not None]
    if _clean(recency) is None or not value:
        return None
    worth = max(value)
    if recency < 85:
        kind = "reward" if worth >= 120 else "nurture" if worth < 80 else "upsell"
    elif recency > 130:
        kind = "win back" if worth >= 100 else "let go"
    else:
        kind = "reward" if worth >= 150 else "upsell"
    return PLAYBOOK[kind]


# -- the whole profile -----------------------------------------------------------------------
def build_profile(ws: Workspace, run_id: str, *, sample: int = 50_000, seed: int = 0) -> RunProfile:
    """Profile every segment of a run; names the segments still called "Segment N" first.

    >>> profile = build_profile(ws, "r1")  # doctest: +SKIP
    >>> profile.fidelity >= 0.85, profile.segments[0].features["frequency"].index  # doctest: +SKIP
    (True, 412.5)
    """
    from .rules import MAX_DEPTH, _rule_features, segment_rules  # rules imports this module

    run = get_run(ws, run_id)
    features = profile_features(ws, run)
    stats = segment_stats(ws, run_id, features)
    run = naming.name_segments(ws, run_id, stats=stats)  # only those still called "Segment N"
    rule_features = _rule_features(ws, run)
    columns = list(dict.fromkeys(features + rule_features))
    drawn = customer_sample(ws, run_id, columns, sample=sample, seed=seed)
    rules = segment_rules(
        ws,
        run_id,
        features=rule_features,
        seed=seed,
        fill=stats.overall_median,
        data=drawn,
    )
    index, diff = stats.index, stats.std_diff
    total = int(stats.sizes.sum())
    revenue_total = float(stats.revenue.sum()) if stats.revenue is not None else 0.0
    segments = []
    for s in run.segments:
        sid = s.segment_id
        if sid not in stats.sizes.index:  # the customer table changed since the run
            continue
        revenue = float(stats.revenue[sid]) if stats.revenue is not None else None
        segments.append(
            SegmentProfile(
                segment_id=sid,
                name=s.name,
                description=s.description or naming.describe(stats, sid),
                size=int(stats.sizes[sid]),
                share=int(stats.sizes[sid]) / total,
                revenue=revenue,
                revenue_share=revenue / revenue_total
                if revenue is not None and revenue_total > 0
                else None,
                features={
                    f: FeatureProfile(
                        _clean(stats.mean.at[sid, f]),
                        _clean(stats.median.at[sid, f]),
                        _clean(index.at[sid, f]),
                        _clean(diff.at[sid, f]),
                    )
                    for f in features
                },
                rules=rules.rules.get(sid, []),
                rule_precision=rules.precision.get(sid, 0.0),
                rule_recall=rules.recall.get(sid, 0.0),
                action=suggest_action(run, sid, index.loc[sid]),
            )
        )
    notes = [
        f"Rules from a decision tree of depth {MAX_DEPTH} fitted on {rules.sample_size:,} "
        f"sampled customers and checked on all {total:,}: it assigns {rules.fidelity:.0%} "
        "of them to their own segment."
    ]
    if stats.revenue is None:
        notes.append("No monetary column: revenue shares are not shown.")
    return RunProfile(
        run_id=run.run_id,
        run_name=run.name,
        algorithm=run.algorithm,
        created_at=run.created_at.isoformat(timespec="seconds"),
        customers=total,
        features=features,
        overall={
            f: {
                "mean": _clean(stats.overall_mean[f]),
                "median": _clean(stats.overall_median[f]),
                "std": _clean(stats.overall_std[f]),
            }
            for f in features
        },
        segments=segments,
        fidelity=rules.fidelity,
        rule_features=rules.features,
        rule_sample_size=rules.sample_size,
        top_values=top_values(ws, run_id),
        sample=drawn[["segment_id", *features]],
        has_revenue=stats.revenue is not None,
        notes=notes,
    )
