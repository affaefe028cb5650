"""Segment profiles a marketer can read, name and defend.

For each segment of a run: its size and share of customers, its revenue and share of revenue,
the mean and median of each feature with its index against all customers (segment mean /
overall mean x 100, the marketing convention) and its standardized difference ((segment mean -
overall mean) / overall standard deviation), the top categories, countries and products of its
purchases with their index, a generated name and description, readable rules from a shallow
decision tree (:mod:`.rules`), and a suggested action (:mod:`.actions`).

Aggregates over every customer run in DuckDB (the run's assignments joined to its feature table,
and to the source transactions). Building a profile only reads: the names it generates for
segments still called "Segment N" come back in ``generated_names``, and
:func:`save_segment_names` stores them with the run.

>>> profile = build_profile(ws, "r1")  # doctest: +SKIP
>>> s = profile.segments[3]  # doctest: +SKIP
>>> s.name, f"{s.share:.0%} of customers", f"{s.revenue_share:.0%} of revenue"  # doctest: +SKIP
('Frequent big spenders', '15% of customers', '68% of revenue')
>>> save_segment_names(ws, profile).segments[3].name  # doctest: +SKIP
'Frequent big spenders'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from ..errors import InvalidParameterError
from ..segment.runs import Run, get_run, set_segment_names
from ..workspace import Workspace
from . import naming
from .actions import suggest_action
from .rules import MAX_DEPTH, Rules, rule_features, segment_rules
from .rundata import customer_sample, profile_features
from .stats import SegmentStats, clean, segment_stats
from .top_values import DIMENSIONS, top_values
from .words import feature_words


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
    distributions; ``generated_names`` the names it made up (the segments show them).
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
    rules: Rules | None = field(default=None, repr=False, compare=False)

    def rule_for(self, values: dict[str, Any]) -> tuple[int, str] | None:
        """Where the profile's rules place a customer with these feature values, and the rule
        that covers them (the Customer page's "why")."""
        return self.rules.rule_for(values) if self.rules is not None else None

    generated_names: dict[int, tuple[str, str]] = field(default_factory=dict)
    """``{segment_id: (name, description)}`` generated for segments still called "Segment N"
    when the profile was built; not stored until :func:`save_segment_names`."""

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
            columns=[feature_words(f) if words else f for f in self.features],
            dtype=float,
        )

    def segment_features(self, segment_id: int) -> pd.DataFrame:
        """One segment's features in plain words: mean, median, everyone's mean, index."""
        s = self.segment(segment_id)
        return pd.DataFrame(
            [
                {
                    "feature": feature_words(f),
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
            index=pd.Index([feature_words(f) for f in self.features], name="feature"),
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


# -- the whole profile -----------------------------------------------------------------------
def build_profile(ws: Workspace, run_id: str, *, sample: int = 50_000, seed: int = 0) -> RunProfile:
    """Profile every segment of a run, with names generated for those still called "Segment N".

    Reads only: :func:`save_segment_names` stores the generated names with the run.

    >>> profile = build_profile(ws, "r1")  # doctest: +SKIP
    >>> profile.fidelity >= 0.85, profile.segments[0].features["frequency"].index  # doctest: +SKIP
    (True, 412.5)
    """
    run = get_run(ws, run_id)
    features = profile_features(ws, run)
    stats = segment_stats(ws, run_id, features)
    generated = naming.generated_names(run, stats)  # only those still called "Segment N"
    chosen = rule_features(ws, run)
    drawn = customer_sample(
        ws, run_id, list(dict.fromkeys(features + chosen)), sample=sample, seed=seed
    )
    rules = segment_rules(
        ws, run_id, features=chosen, seed=seed, fill=stats.overall_median, data=drawn
    )
    total = int(stats.sizes.sum())
    return RunProfile(
        run_id=run.run_id,
        run_name=run.name,
        algorithm=run.algorithm,
        created_at=run.created_at.isoformat(timespec="seconds"),
        customers=total,
        features=features,
        overall={f: _overall(stats, f) for f in features},
        segments=_segment_profiles(run, stats, features, rules, generated),
        fidelity=rules.fidelity,
        rule_features=rules.features,
        rule_sample_size=rules.sample_size,
        top_values=top_values(ws, run_id),
        sample=drawn[["segment_id", *features]],
        has_revenue=stats.revenue is not None,
        notes=_notes(rules, total, stats),
        rules=rules,
        generated_names=generated,
    )


def _segment_profiles(
    run: Run,
    stats: SegmentStats,
    features: list[str],
    rules: Rules,
    generated: Mapping[int, tuple[str, str]],
) -> list[SegmentProfile]:
    """One profile per segment of the run that still has customers in its table."""
    index, diff = stats.index, stats.std_diff
    total = int(stats.sizes.sum())
    revenue_total = float(stats.revenue.sum()) if stats.revenue is not None else 0.0
    segments = []
    for s in run.segments:
        sid = s.segment_id
        if sid not in stats.sizes.index:  # the customer table changed since the run
            continue
        if sid in generated:
            name, description = generated[sid]
        else:
            name, description = s.name, s.description or naming.describe(stats, sid)
        revenue = float(stats.revenue[sid]) if stats.revenue is not None else None
        segments.append(
            SegmentProfile(
                segment_id=sid,
                name=name,
                description=description,
                size=int(stats.sizes[sid]),
                share=int(stats.sizes[sid]) / total,
                revenue=revenue,
                revenue_share=revenue / revenue_total
                if revenue is not None and revenue_total > 0
                else None,
                features={
                    f: FeatureProfile(
                        clean(stats.mean.at[sid, f]),
                        clean(stats.median.at[sid, f]),
                        clean(index.at[sid, f]),
                        clean(diff.at[sid, f]),
                    )
                    for f in features
                },
                rules=rules.rules.get(sid, []),
                rule_precision=rules.precision.get(sid, 0.0),
                rule_recall=rules.recall.get(sid, 0.0),
                action=suggest_action(run, sid, index.loc[sid], stats.mean.loc[sid]),
            )
        )
    return segments


def _overall(stats: SegmentStats, feature: str) -> dict[str, float | None]:
    return {
        "mean": clean(stats.overall_mean[feature]),
        "median": clean(stats.overall_median[feature]),
        "std": clean(stats.overall_std[feature]),
    }


def _notes(rules: Rules, total: int, stats: SegmentStats) -> list[str]:
    notes = [
        f"Rules from a decision tree of depth {MAX_DEPTH} fitted on {rules.sample_size:,} "
        f"sampled customers and checked on all {total:,}: it assigns {rules.fidelity:.0%} "
        "of them to their own segment."
    ]
    if stats.revenue is None:
        notes.append("No monetary column: revenue shares are not shown.")
    return notes


# -- saving the names ------------------------------------------------------------------------
def save_segment_names(ws: Workspace, profile: RunProfile) -> Run:
    """Store the names and descriptions a profile generated with its run; the run as it is now.

    Only segments still called "Segment N" get theirs, so a rename made since the profile was
    built survives; a profile of an earlier run with the same id stores nothing.

    >>> save_segment_names(ws, build_profile(ws, "r1"))  # doctest: +SKIP
    """
    run = get_run(ws, profile.run_id)
    if not profile.generated_names or (
        run.created_at.isoformat(timespec="seconds") != profile.created_at
    ):
        return run
    unnamed = {s.segment_id for s in run.segments if naming.is_default_name(s.name)}
    names = {sid: nd for sid, nd in profile.generated_names.items() if sid in unnamed}
    return set_segment_names(ws, run.run_id, names) if names else run
