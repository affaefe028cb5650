"""Readable rules for a run's segments, from a shallow decision tree.

A decision tree of depth at most :data:`MAX_DEPTH` learns to predict each customer's segment
from the unscaled features; scikit-learn fits only the tree, on a seeded sample. Its thresholds
are rounded for reading (whole numbers for integer columns, three significant digits
otherwise), and the rounded tree is then evaluated on every customer in SQL: its accuracy is the
rules' ``fidelity``, and each segment's precision and recall are those of its leaves.

>>> rules = segment_rules(ws, "r1")  # doctest: +SKIP
>>> rules.fidelity >= 0.85, rules.rules[1][0]  # doctest: +SKIP
(True, 'orders >= 5 and days since last order <= 30')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..features.summaries import numeric_columns
from ..segment.runs import Run, get_run
from ..workspace import META, Workspace, quote_ident
from ..workspace.types import is_integer
from .actions import RETURNS_INDEX
from .rundata import customer_sample, profile_features, run_features, run_table
from .words import feature_words, is_rate

MAX_DEPTH = 3  # rules stay readable: at most three conditions each
RETURN_FEATURES = ("return_rate", "returns_value")
RETURNS_COST = 0.02  # sample accuracy a rule may give up to name the returns that mark a segment


# -- rules -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rules:
    """The readable rules of a run: per segment its rule texts, precision and recall."""

    fidelity: float
    rules: dict[int, list[str]]
    precision: dict[int, float]
    recall: dict[int, float]
    features: list[str]
    sample_size: int
    tree: tuple[Any, ...] = field(default=(), repr=False, compare=False)  # nodes, fill, integer

    def rule_for(self, values: dict[str, Any]) -> tuple[int, str] | None:
        """The segment these rules give a customer with these feature ``values``, and the rule
        (the tree's path) that covers them; None without a tree. A missing value is filled as
        in the SQL that checks the rules.

        >>> rules.rule_for({"frequency": 7, "recency_days": 3})  # doctest: +SKIP
        (1, 'orders >= 5 and days since last order <= 30')
        """
        if not self.tree:
            return None
        nodes, fill, integer = self.tree
        i, bounds = 0, {}
        while _uniform(nodes, i) is None:
            node = nodes[i]
            name = self.features[node.feature]
            value = values.get(name)
            value = fill.get(name, 0.0) if value is None or value != value else float(value)
            low, high = bounds.get(name, (None, None))
            if value <= node.threshold:
                bounds[name] = (low, node.threshold if high is None else min(high, node.threshold))
                i = node.left
            else:
                bounds[name] = (node.threshold if low is None else max(low, node.threshold), high)
                i = node.right
        return int(_uniform(nodes, i)), _rule_text(bounds, integer)


def segment_rules(
    ws: Workspace,
    run_id: str,
    *,
    features: list[str] | None = None,
    sample: int = 50_000,
    seed: int = 0,
    fill: pd.Series | None = None,
    data: pd.DataFrame | None = None,
) -> Rules:
    """Rules in plain words from a decision tree (depth <= 3) that predicts each segment.

    The tree is fitted on a seeded sample of the unscaled features (missing values filled with
    everyone's median), its thresholds are rounded for reading, and the rounded tree is then
    evaluated on every customer in SQL: ``fidelity`` is its accuracy, and each segment's
    precision and recall are those of its rules (the tree's leaves that predict it). A segment
    marked out by its returns (a return feature's mean at least :data:`RETURNS_INDEX` of
    everyone's) gets a rule that says so: the split above (or below) its main rule is made on
    that feature instead, where that costs at most :data:`RETURNS_COST` of the sample accuracy.
    """
    run = get_run(ws, run_id)
    table, id_sql = run_table(ws, run)
    features = features or rule_features(ws, run)
    frame = (
        data
        if data is not None
        else customer_sample(ws, run_id, features, sample=sample, seed=seed)
    )
    if fill is None:
        fill = frame[features].median()
    fill = fill.reindex(features).fillna(0.0)
    X = frame[features].astype(float).fillna(fill).to_numpy()
    # scikit-learn's trees work in float32: beyond its range (and +-inf) the value is clipped,
    # which orders the customers as SQL does on the real values.
    X = np.clip(X, -_FLOAT32_MAX, _FLOAT32_MAX)
    y = frame["segment_id"].to_numpy()
    tree = _best_tree(X, y, seed)
    integer = {c.name for c in ws.table(table).columns if is_integer(c.type)}
    nodes = _with_returns(_rounded_nodes(tree, features, integer), X, y, features, integer)
    case_sql, case_params = _case_sql(nodes, 0, features, fill)
    counts = ws.query(
        f"SELECT a.segment_id, {case_sql} AS predicted, count(*) FROM {META}.assignments a "
        f"JOIN {quote_ident(table)} f ON a.customer_id = {id_sql} WHERE a.run_id = ? "
        "GROUP BY ALL",
        [*case_params, run_id],
    )
    rules = _measured(counts, _leaf_rules(nodes, features, integer), features, len(y))
    fills = {name: float(value) for name, value in fill.items()}
    return replace(rules, tree=(nodes, fills, frozenset(integer)))


def _measured(
    counts: list[tuple], texts: dict[int, list[str]], features: list[str], sample_size: int
) -> Rules:
    """The rules with their fidelity, precision and recall, from the counts of (segment,
    predicted segment) over every customer."""
    total = sum(int(c) for _, _, c in counts) or 1
    correct = {int(s): int(c) for s, p, c in counts if int(s) == int(p)}
    actual: dict[int, int] = {}
    predicted: dict[int, int] = {}
    for s, p, c in counts:
        actual[int(s)] = actual.get(int(s), 0) + int(c)
        predicted[int(p)] = predicted.get(int(p), 0) + int(c)
    return Rules(
        fidelity=sum(correct.values()) / total,
        rules={s: texts.get(s, []) for s in actual},
        precision={
            s: correct.get(s, 0) / predicted[s] if predicted.get(s) else 0.0 for s in actual
        },
        recall={s: correct.get(s, 0) / actual[s] for s in actual},
        features=list(features),
        sample_size=sample_size,
    )


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _best_tree(X: np.ndarray, y: np.ndarray, seed: int):
    """The more accurate of an entropy and a gini tree of depth <= 3 (entropy on ties)."""
    from sklearn.tree import DecisionTreeClassifier

    best, best_score = None, -1.0
    for criterion in ("entropy", "gini"):
        tree = DecisionTreeClassifier(
            max_depth=MAX_DEPTH,
            criterion=criterion,
            min_samples_leaf=max(1, len(y) // 200),
            random_state=seed,
        ).fit(X, y)
        score = tree.score(X, y)
        if score > best_score:
            best, best_score = tree, score
    return best


def rule_features(ws: Workspace, run: Run) -> list[str]:
    """The features the run was made from (numeric), else the profile's features."""
    info = ws.table(run.table)
    numeric = set(numeric_columns(ws, run.table)) - {info.roles.get("customer_id")}
    chosen = [c for c in run_features(run) if c in numeric]
    return chosen or profile_features(ws, run)


# -- the rounded tree: its SQL and its rules in words ------------------------------------------
@dataclass(frozen=True)
class _Node:
    feature: int  # -1 for a leaf
    threshold: float  # rounded: the rule reads "<= threshold" (left) or "> threshold" (right)
    left: int
    right: int
    label: int  # the segment a leaf predicts
    weight: float  # sampled customers of that segment in the leaf (orders a segment's rules)


def _rounded_nodes(tree, features: list[str], integer: set[str]) -> list[_Node]:
    t = tree.tree_
    nodes = []
    for i in range(t.node_count):
        counts = t.value[i][0] * t.n_node_samples[i] / max(t.value[i][0].sum(), 1e-12)
        best = int(np.argmax(counts))
        if t.children_left[i] == -1:
            nodes.append(_Node(-1, 0.0, -1, -1, int(tree.classes_[best]), float(counts[best])))
            continue
        feature = features[t.feature[i]]
        threshold = float(t.threshold[i])
        rounded = math.floor(threshold) if feature in integer else _round_sig(threshold, 3)
        nodes.append(
            _Node(
                int(t.feature[i]), rounded, int(t.children_left[i]), int(t.children_right[i]), 0, 0
            )
        )
    return nodes


def _round_sig(value: float, digits: int) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def _uniform(nodes: list[_Node], i: int) -> int | None:
    """The segment every leaf under node ``i`` predicts, or None when they differ."""
    node = nodes[i]
    if node.feature < 0:
        return node.label
    left, right = _uniform(nodes, node.left), _uniform(nodes, node.right)
    return left if left is not None and left == right else None


def _case_sql(
    nodes: list[_Node], i: int, features: list[str], fill: pd.Series
) -> tuple[str, list[Any]]:
    node = nodes[i]
    label = _uniform(nodes, i)
    if label is not None:
        return str(int(label)), []
    name = features[node.feature]
    left, left_params = _case_sql(nodes, node.left, features, fill)
    right, right_params = _case_sql(nodes, node.right, features, fill)
    sql = (
        f"CASE WHEN coalesce(CAST(f.{quote_ident(name)} AS DOUBLE), ?) <= ? "
        f"THEN {left} ELSE {right} END"
    )
    return sql, [float(fill[name]), float(node.threshold), *left_params, *right_params]


def _leaf_rules(nodes: list[_Node], features: list[str], integer: set[str]) -> dict[int, list[str]]:
    """Each segment's leaves as plain-word rules, the leaf holding most of it first."""
    found: list[tuple[int, float, str]] = []
    for label, end, path in _rule_paths(nodes):  # a split whose sides agree reads as one rule
        bounds: dict[str, tuple[float | None, float | None]] = {}
        for i, child in zip(path, [*path[1:], end], strict=True):
            node, name = nodes[i], features[nodes[i].feature]
            low, high = bounds.get(name, (None, None))
            if child == node.left:
                bounds[name] = (low, node.threshold if high is None else min(high, node.threshold))
            else:
                bounds[name] = (node.threshold if low is None else max(low, node.threshold), high)
        found.append((label, _weight(nodes, end, label), _rule_text(bounds, integer)))
    out: dict[int, list[str]] = {}
    for label, _, text in sorted(found, key=lambda x: (x[0], -x[1], x[2])):
        out.setdefault(label, []).append(text)
    return out


def _weight(nodes: list[_Node], i: int, label: int) -> float:
    node = nodes[i]
    if node.feature < 0:
        return node.weight if node.label == label else 0.0
    return _weight(nodes, node.left, label) + _weight(nodes, node.right, label)


def _rule_text(bounds: dict[str, tuple[float | None, float | None]], integer: set[str]) -> str:
    """``recency <= 30 days and orders >= 5`` from (lower, upper] bounds per feature."""
    if not bounds:
        return "every customer"
    parts = []
    for feature, (low, high) in bounds.items():
        words = feature_words(feature)
        if feature in integer:
            first = None if low is None else int(low) + 1
            last = None if high is None else int(high)
            if first is not None and last is not None:
                parts.append(
                    f"{words} = {last:,}" if first == last else f"{words} {first:,} to {last:,}"
                )
            elif first is not None:
                parts.append(f"{words} >= {first:,}")
            else:
                parts.append(f"{words} <= {last:,}")
        else:
            text = [f"> {_threshold(feature, low)}"] if low is not None else []
            text += [f"<= {_threshold(feature, high)}"] if high is not None else []
            parts.append(f"{words} {' and '.join(text)}")
    return " and ".join(parts)


def _threshold(feature: str, value: float) -> str:
    if is_rate(feature):
        return f"{value * 100:.3g}%"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


# -- returns: a segment marked out by them gets a rule that names them -------------------------
def _with_returns(
    nodes: list[_Node], X: np.ndarray, y: np.ndarray, features: list[str], integer: set[str]
) -> list[_Node]:
    """``nodes`` where each segment marked out by a return feature has a rule on returns."""
    returns = [j for j, f in enumerate(features) if f in RETURN_FEATURES]
    for j in returns:
        overall = float(X[:, j].mean()) if len(X) else 0.0
        for label in np.unique(y):
            marked = overall > 0 and X[y == label, j].mean() * 100 >= RETURNS_INDEX * overall
            if marked and not _names_returns(nodes, int(label), returns):
                nodes = _split_on_returns(nodes, X, y, j, int(label), features[j] in integer)
    return nodes


def _rule_paths(nodes: list[_Node]) -> list[tuple[int, int, list[int]]]:
    """Each rule as (segment, the node it ends at, the split nodes on its way), as read."""
    found: list[tuple[int, int, list[int]]] = []

    def walk(i: int, path: list[int]) -> None:
        label = _uniform(nodes, i)
        if label is not None:
            found.append((int(label), i, path))
            return
        walk(nodes[i].left, [*path, i])
        walk(nodes[i].right, [*path, i])

    walk(0, [])
    return found


def _names_returns(nodes: list[_Node], label: int, returns: list[int]) -> bool:
    return any(
        nodes[i].feature in returns for s, _, path in _rule_paths(nodes) if s == label for i in path
    )


def _split_on_returns(
    nodes: list[_Node], X: np.ndarray, y: np.ndarray, j: int, label: int, integer: bool
) -> list[_Node]:
    """``nodes`` with the split above (or below) the segment's main rule made on feature ``j``,
    where a segment's side of it then predicts ``label`` at little cost; else ``nodes``."""
    paths = [(end, path) for s, end, path in _rule_paths(nodes) if s == label]
    if not paths:
        return nodes
    end, path = max(paths, key=lambda p: _weight(nodes, p[0], label))
    places = ([path[-1]] if path else []) + ([end] if len(path) < MAX_DEPTH else [])
    best, best_accuracy = nodes, _accuracy(nodes, X, y) - RETURNS_COST
    for place in places:
        changed = _stump(nodes, X, y, place, j, integer)
        if changed is None or not _names_returns(changed, label, [j]):
            continue
        accuracy = _accuracy(changed, X, y)
        if accuracy >= best_accuracy:
            best, best_accuracy = changed, accuracy
    return best


def _stump(
    nodes: list[_Node], X: np.ndarray, y: np.ndarray, place: int, j: int, integer: bool
) -> list[_Node] | None:
    """``nodes`` with node ``place`` replaced by one split on feature ``j`` (fitted on the
    sampled customers that reach it) and two leaves; None when no split helps."""
    from sklearn.tree import DecisionTreeClassifier

    rows = np.any(_route(nodes, X) == place, axis=0)
    column, labels = X[rows][:, [j]], y[rows]
    if len(labels) < 2:
        return None
    stump = DecisionTreeClassifier(max_depth=1, min_samples_leaf=max(1, len(y) // 200))
    tree = stump.fit(column, labels).tree_
    if tree.node_count < 3:
        return None
    threshold = float(tree.threshold[0])
    threshold = math.floor(threshold) if integer else _round_sig(threshold, 3)
    leaves = []
    for side in (labels[column[:, 0] <= threshold], labels[column[:, 0] > threshold]):
        if not len(side):
            return None
        values, counts = np.unique(side, return_counts=True)
        leaves.append(_Node(-1, 0.0, -1, -1, int(values[counts.argmax()]), float(counts.max())))
    changed = [*nodes, *leaves]
    changed[place] = _Node(j, threshold, len(nodes), len(nodes) + 1, 0, 0)
    return changed


def _route(nodes: list[_Node], X: np.ndarray) -> np.ndarray:
    """The node each row of ``X`` is at, step by step from the root to the end of its rule
    (one row per step, MAX_DEPTH + 2 steps at most: a stump may add one)."""
    ends = {end for _, end, _ in _rule_paths(nodes)}
    at = np.zeros(len(X), dtype=int)
    steps = [at]
    for _ in range(MAX_DEPTH + 1):
        at = at.copy()
        for i in set(np.unique(at)) - ends:
            rows = at == i
            node = nodes[i]
            at[rows] = np.where(X[rows, node.feature] <= node.threshold, node.left, node.right)
        steps.append(at)
    return np.array(steps)


def _accuracy(nodes: list[_Node], X: np.ndarray, y: np.ndarray) -> float:
    """The share of rows of ``X`` whose segment ``y`` the rounded tree gives."""
    ends = {end: s for s, end, _ in _rule_paths(nodes)}
    predicted = np.array([ends[int(i)] for i in _route(nodes, X)[-1]], dtype=int)
    return float(np.mean(predicted == y)) if len(y) else 0.0
