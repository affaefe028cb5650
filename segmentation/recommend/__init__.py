"""Recommend: what to offer each segment and each customer, evaluated against popularity.

* :func:`segment_top`: each segment's top products or categories by lift over everyone.
* :func:`bought_together`: product -> product rules (support, confidence, lift, orders).
* :func:`recommend`: next best products for every customer (item-item kNN by default, ALS, or
  a popularity list), stored as a named set, with the leave-last-order-out evaluation.
"""

from .evaluate import Evaluation, Scores, evaluation_table
from .methods import DEFAULT_METHOD, METHODS
from .next_best import customer_recommendations, evaluate_source, recommend
from .segments import segment_top
from .source import MissingRoleError, purchase_lines
from .store import RecommendationSet, delete_set, get_set, list_sets, read_rows, wide_rows
from .together import Rules, bought_together

__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "Evaluation",
    "MissingRoleError",
    "RecommendationSet",
    "Rules",
    "Scores",
    "bought_together",
    "customer_recommendations",
    "delete_set",
    "evaluate_source",
    "evaluation_table",
    "get_set",
    "list_sets",
    "purchase_lines",
    "read_rows",
    "recommend",
    "segment_top",
    "wide_rows",
]
