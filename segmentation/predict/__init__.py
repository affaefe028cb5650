"""Predict: what each customer is worth and who is slipping away (BTYD models).

BG/NBD, MBG/NBD and Pareto/NBD for the number of future orders and P(alive), Gamma-Gamma for
the value of an order, fitted by maximum likelihood (numpy/scipy only); per-customer CLV with
80% intervals and churn risk; a holdout check; predictions stored in the workspace.
"""

from .join import join_prediction
from .models import (
    MIN_REPEAT_CUSTOMERS,
    ORDER_MODELS,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    NotEnoughDataError,
    ParetoNBDModel,
)
from .run import (
    DEFAULT_DISCOUNT_RATE,
    DEFAULT_HORIZON_DAYS,
    Prediction,
    parse_day,
    predict_table,
    segment_totals,
)
from .score import (
    CHURN_HIGH,
    CHURN_MEDIUM,
    Scores,
    frequency_recency_grid,
    group_totals,
    score_customers,
)
from .store import (
    OUT_COLUMNS,
    list_predictions,
    prediction_customers,
    read_prediction,
    write_customers,
)
from .summary import UNITS, CustomerSummary, customer_summary
from .validation import Validation, validate
from .view import PredictionView, open_prediction, run_totals

__all__ = [
    "CHURN_HIGH",
    "CHURN_MEDIUM",
    "DEFAULT_DISCOUNT_RATE",
    "DEFAULT_HORIZON_DAYS",
    "MIN_REPEAT_CUSTOMERS",
    "ORDER_MODELS",
    "OUT_COLUMNS",
    "UNITS",
    "BetaGeoModel",
    "CustomerSummary",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "NotEnoughDataError",
    "ParetoNBDModel",
    "Prediction",
    "PredictionView",
    "Scores",
    "Validation",
    "customer_summary",
    "frequency_recency_grid",
    "group_totals",
    "join_prediction",
    "list_predictions",
    "open_prediction",
    "parse_day",
    "predict_table",
    "prediction_customers",
    "read_prediction",
    "run_totals",
    "score_customers",
    "segment_totals",
    "validate",
    "write_customers",
]
