"""Segment names a marketer can read: generated from what sets each segment apart, editable.

A name joins an adjective and a noun taken from the segment's most distinctive features (the
largest absolute standardized differences from all customers), read through a small vocabulary
per known feature: ``recency_days`` low -> "Recent", high -> "Lapsed"; one order -> "one-time
buyers"; ``monetary`` high -> "big spenders"; ``return_rate`` high -> "returners"... Other
features fall back to "High <feature>" / "Low <feature>". Names are deterministic and distinct
within a run, and no generated name is, word for word, part of another ("Light spenders" beside
"Occasional light spenders" reads as the group that holds it); RFM runs keep their standard names
and user renames are never overwritten.

:func:`generated_names` only reads; :func:`name_segments` and :func:`rename_segments` store
names with the run.

>>> generated_names(get_run(ws, "r1"), segment_stats(ws, "r1"))  # doctest: +SKIP
{1: ('Lapsed one-time buyers', '30% of customers, 6% of revenue: ...'), ...}
>>> is_default_name("Segment 3"), is_default_name("VIP club")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..errors import InvalidParameterError
from ..segment.runs import UNASSIGNED, Run, get_run, set_segment_names
from ..segment.store import duplicate_name
from ..workspace import Workspace
from .stats import SegmentStats, segment_stats
from .words import feature_words, format_value

DISTINCT_BELOW = 0.25  # |standardized difference| under this does not name a segment
# A word says a segment is high or low on a feature only when its mean is 1.2x everyone's or
# more (or 1/1.2 or less): a feature that hardly varies (CDNOW's days since the first order,
# 483 vs 503, everyone joined within 12 weeks) has large standardized differences, and
# calling 483 days "New" misleads.
MATERIAL = 1.2
_NAMED_FROM = 4  # the name reads only the most distinctive features
_DEFAULT_NAME = re.compile(r"Segment \d+")
_NUMBERED = re.compile(r" \(segment [^)]*\)$")  # what suggest_names adds to tell twins apart

# feature -> (term when the segment is high, term when low); a term is (kind, words).
_ADJ, _NOUN = "adj", "noun"
_VOCABULARY: dict[str, tuple[tuple[str, str] | None, tuple[str, str] | None]] = {
    "recency_days": ((_ADJ, "Lapsed"), (_ADJ, "Recent")),
    "tenure_days": ((_ADJ, "Long-standing"), (_ADJ, "New")),
    "T": ((_ADJ, "Long-standing"), (_ADJ, "New")),
    "frequency": ((_ADJ, "Frequent"), (_ADJ, "Occasional")),
    "frequency_repeat": ((_ADJ, "Frequent"), (_ADJ, "Occasional")),
    "orders_last_90d": ((_ADJ, "Active"), None),
    "monetary": ((_NOUN, "big spenders"), (_NOUN, "light spenders")),
    "gross_revenue": ((_NOUN, "big spenders"), (_NOUN, "light spenders")),
    "aov": ((_NOUN, "premium-basket buyers"), (_NOUN, "bargain hunters")),
    "return_rate": ((_NOUN, "returners"), None),
    "returns_value": ((_NOUN, "returners"), None),
    "items_per_order": ((_NOUN, "bulk buyers"), None),
    "distinct_products": ((_NOUN, "explorers"), None),
    "distinct_categories": ((_NOUN, "explorers"), None),
}


@dataclass(frozen=True)
class _Term:
    kind: str
    words: str
    feature: str


def _term(
    feature: str, diff: float, median: float | None, index: float | None = None
) -> _Term | None:
    """The vocabulary's word for a feature that is high (diff > 0) or low in a segment; none
    when the segment's mean is within 20% of everyone's (``index``, mean / everyone's x 100)."""
    if index is not None and not pd.isna(index) and 100 / MATERIAL < index < 100 * MATERIAL:
        return None
    if feature in ("frequency", "frequency_repeat") and median is not None:
        single = median <= (1 if feature == "frequency" else 0)
        if single and diff < 0:
            return _Term(_NOUN, "one-time buyers", feature)
    if feature.startswith("share_") and diff > 0:
        return _Term(
            _NOUN, feature_words(feature)[len("share of ") :].capitalize() + " fans", feature
        )
    high, low = _VOCABULARY.get(feature, (None, None))
    chosen = high if diff > 0 else low
    return _Term(chosen[0], chosen[1], feature) if chosen else None


def _generic(feature: str, diff: float) -> str:
    return f"{'High' if diff > 0 else 'Low'} {feature_words(feature)}"


def _ranked(diffs: pd.Series) -> list[tuple[str, float]]:
    """Features by |standardized difference|, largest first (ties: by name), distinct only."""
    clean = diffs.dropna()
    order = sorted(clean.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    return [(f, float(d)) for f, d in order if abs(d) >= DISTINCT_BELOW]


def base_name(
    diffs: pd.Series, medians: pd.Series, index: pd.Series | None = None
) -> tuple[str, list[str]]:
    """A segment's name from its standardized differences, and the features the name used
    (``index``: the segment's mean / everyone's x 100, for the 20% rule of :data:`MATERIAL`).

    >>> base_name(pd.Series({"recency_days": 1.8, "frequency": -0.9}), pd.Series({"frequency": 1}))
    ('Lapsed one-time buyers', ['recency_days', 'frequency'])
    >>> base_name(pd.Series({"tenure_days": -2.0, "recency_days": 0.9}), pd.Series(dtype=float),
    ...           pd.Series({"tenure_days": 96.0, "recency_days": 127.0}))
    ('Lapsed customers', ['recency_days'])
    """
    ranked = _ranked(diffs)
    adjective = noun = None
    for feature, diff in ranked[:_NAMED_FROM]:
        median = medians.get(feature)
        term = _term(
            feature,
            diff,
            None if pd.isna(median) else float(median),
            None if index is None else index.get(feature),
        )
        if term is None:
            continue
        if term.kind == _ADJ and adjective is None:
            adjective = term
        elif term.kind == _NOUN and noun is None:
            noun = term
        if adjective and noun:
            break
    if adjective and noun:
        return f"{adjective.words} {noun.words}", [adjective.feature, noun.feature]
    if adjective:
        return f"{adjective.words} customers", [adjective.feature]
    if noun:
        return noun.words[0].upper() + noun.words[1:], [noun.feature]
    if ranked:
        return _generic(*ranked[0]), [ranked[0][0]]
    return "Average customers", []


def describe(stats: SegmentStats, segment_id: int) -> str:
    """One line on the three features that set a segment apart, with everyone's mean.

    >>> describe(stats, 1)  # doctest: +SKIP
    'High days since last order (478 vs 176 for all customers), low orders (1 vs 6.9).'
    """
    parts = [
        f"{'high' if diff > 0 else 'low'} {feature_words(f)} "
        f"({format_value(f, stats.mean.at[segment_id, f], share=f in stats.yes_no)} vs "
        f"{format_value(f, stats.overall_mean[f], share=f in stats.yes_no)}"
        f"{' for all customers' if i == 0 else ''})"
        for i, (f, diff) in enumerate(_ranked(stats.std_diff.loc[segment_id])[:3])
    ]
    if not parts:
        return "Close to the average customer on every feature."
    text = ", ".join(parts) + "."
    return text[0].upper() + text[1:]


def suggest_names(
    stats: SegmentStats, *, taken: Mapping[int, str] | None = None
) -> dict[int, tuple[str, str]]:
    """Generated ``{segment_id: (name, description)}`` for the segments of ``stats``.

    Names are distinct from each other and from ``taken`` (segments that keep their names):
    two segments that would share a name get their next most distinctive feature added
    ("Recent big spenders, high return rate"), then their number when that is not enough.
    The rule for a campaign list: no generated name is, word for word, part of another name of
    the run. A name that would be ("Light spenders" beside "Occasional light spenders") gets the
    feature that most separates its segment from the other one: as a leading word where the
    vocabulary has one ("Frequent light spenders"), else in words ("Light spenders, average
    orders"), else its number.
    """
    taken = dict(taken or {})
    ids = [int(s) for s in stats.sizes.index if int(s) not in taken and int(s) != 0]
    index = stats.index
    bases = {
        sid: base_name(stats.std_diff.loc[sid], stats.median.loc[sid], index.loc[sid])
        for sid in ids
    }
    first = {sid: bases[sid][0] for sid in ids}
    names = {
        sid: _with_differentiator(name, bases[sid][1], stats.std_diff.loc[sid])
        if _count(first, name) > 1
        else name
        for sid, name in first.items()
    }
    names = _set_apart(names, taken, stats)
    used = {n.lower() for n in taken.values()}
    final: dict[int, tuple[str, str]] = {}
    for sid in ids:
        name = names[sid]
        if _count(names, name) > 1 or name.lower() in used:
            name, n = f"{names[sid]} (segment {sid})", 2
            while name.lower() in used:
                name, n = f"{names[sid]} (segment {sid}, {n})", n + 1
        used.add(name.lower())
        final[sid] = (name, describe(stats, sid))
    return final


def _count(names: Mapping[int, str], name: str) -> int:
    return sum(n.lower() == name.lower() for n in names.values())


def _with_differentiator(name: str, used: list[str], diffs: pd.Series) -> str:
    for feature, diff in _ranked(diffs):
        if feature not in used:
            return f"{name}, {_generic(feature, diff).lower()}"
    return name


def _level(diff: float) -> int:
    """1 high, -1 low, 0 near everyone's average (under ``DISTINCT_BELOW``) or unknown."""
    if pd.isna(diff) or abs(diff) < DISTINCT_BELOW:
        return 0
    return 1 if diff > 0 else -1


def _part_of(shorter: str, longer: str) -> bool:
    """Whether ``shorter`` is, word for word, part of ``longer`` (and not the same name)."""
    part, whole = shorter.lower(), _NUMBERED.sub("", longer.lower())
    return part != whole and re.search(rf"(?<!\w){re.escape(part)}(?!\w)", whole) is not None


def _set_apart(
    names: dict[int, str], taken: Mapping[int, str], stats: SegmentStats
) -> dict[int, str]:
    """``names`` where no name is part of another generated or kept name (see suggest_names)."""
    names = dict(names)
    for _ in range(len(names)):
        every = {**taken, **names}
        pair = next(
            (
                (sid, other)
                for sid in names
                for other in every
                if _part_of(names[sid], every[other])
            ),
            None,
        )
        if pair is None:
            break
        names[pair[0]] = _apart_from(names[pair[0]], *pair, stats)
    return names


def _apart_from(name: str, sid: int, other: int, stats: SegmentStats) -> str:
    """``name`` with the feature that most separates segment ``sid`` from segment ``other``."""
    if other in stats.std_diff.index:
        mine, theirs = stats.std_diff.loc[sid], stats.std_diff.loc[other]
        gaps = (mine - theirs).abs().dropna()
        for feature in sorted(gaps.index, key=lambda f: (-gaps[f], f)):
            level = _level(mine[feature])
            if level == _level(theirs[feature]):
                continue
            median = stats.median.at[sid, feature]
            term = _term(
                feature,
                mine[feature],
                None if pd.isna(median) else float(median),
                stats.index.at[sid, feature],
            )
            if level != 0 and term is not None and term.kind == _ADJ:
                words, apart = term.words, f"{term.words} {name[0].lower()}{name[1:]}"
            elif level == 0:
                words = f"average {feature_words(feature)}"
                apart = f"{name}, {words}"
            else:
                words = _generic(feature, mine[feature]).lower()
                apart = f"{name}, {words}"
            if words.lower() not in name.lower():
                return apart
    return f"{name} (segment {sid})"


def generated_names(
    run: Run, stats: SegmentStats, *, overwrite: bool = False
) -> dict[int, tuple[str, str]]:
    """``{segment_id: (name, description)}`` for the segments of ``run`` still called
    "Segment N" (all of them with ``overwrite``); reads only, stores nothing.

    RFM runs keep their standard names and "Unassigned" stays as it is: nothing for them.
    """
    keep = _kept_names(run, overwrite)
    if keep is None:
        return {}
    return suggest_names(stats, taken=keep)


def _kept_names(run: Run, overwrite: bool) -> dict[int, str] | None:
    """The names a generation keeps, or None when it would keep every one."""
    if run.algorithm == "rfm":
        return None
    keep = {
        s.segment_id: s.name
        for s in run.segments
        if s.segment_id == 0 or s.name == UNASSIGNED or not (overwrite or is_default_name(s.name))
    }
    return None if len(keep) == len(run.segments) else keep


def name_segments(
    ws: Workspace, run_id: str, *, overwrite: bool = False, stats: SegmentStats | None = None
) -> Run:
    """Name a run's segments from their profiles and store the names with the run.

    Only segments still called "Segment N" are named unless ``overwrite``, so user renames
    survive; RFM runs keep their standard names and "Unassigned" stays as it is.

    >>> [s.name for s in name_segments(ws, "r1").segments]  # doctest: +SKIP
    ['Lapsed one-time buyers', 'Recent big spenders', ...]
    """
    run = get_run(ws, run_id)
    if _kept_names(run, overwrite) is None:
        return run
    stats = segment_stats(ws, run_id) if stats is None else stats
    names = generated_names(run, stats, overwrite=overwrite)
    return set_segment_names(ws, run_id, names) if names else run


def is_default_name(name: str) -> bool:
    """Whether a segment still has the name a run gives it ("Segment 3")."""
    return bool(_DEFAULT_NAME.fullmatch(name))


def rename_segments(ws: Workspace, run_id: str, names: Mapping[int, str]) -> Run:
    """Rename several segments at once: all or nothing, names unique within the run.

    >>> rename_segments(ws, "r1", {1: "VIPs", 2: "Sleepers"})  # doctest: +SKIP
    """
    run = get_run(ws, run_id)
    current = {s.segment_id: s for s in run.segments}
    unknown = [sid for sid in names if sid not in current]
    if unknown:
        raise InvalidParameterError(
            f"Run {run_id} has no segment {unknown[0]!r}; its segments are "
            f"{', '.join(map(str, sorted(current)))}."
        )
    cleaned = {int(sid): (name or "").strip() for sid, name in names.items()}
    empty = [sid for sid, name in cleaned.items() if not name]
    if empty:
        raise InvalidParameterError(
            f"A segment's name cannot be empty (segment {empty[0]}); type a name or leave the "
            "old one."
        )
    final = {sid: cleaned.get(sid, seg.name) for sid, seg in current.items()}
    clash = duplicate_name(final)
    if clash is not None:
        first, sid = clash
        raise InvalidParameterError(
            f"Segments {first} and {sid} of run {run_id} would both be called "
            f"{final[first]!r}; names must be unique within a run. Nothing was renamed."
        )
    changed = {
        sid: (n, current[sid].description) for sid, n in cleaned.items() if n != current[sid].name
    }
    return set_segment_names(ws, run_id, changed) if changed else run
