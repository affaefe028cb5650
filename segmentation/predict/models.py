"""The fitters, in scikit-learn's style: BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma.

``__init__`` takes keyword-only settings and stores them; ``fit`` returns ``self``; what was
learned ends in ``_`` (``params_``, ``log_likelihood_``, ``cov_``, ``warnings_``).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> model = BetaGeoModel()  # doctest: +SKIP
>>> model.fit(frequency, recency, T).params_  # doctest: +SKIP
{'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidParameterError, SegmentationError
from .expectations import active_rate, expected_orders, p_alive
from .fitting import distinct_rows, maximise
from .likelihoods import LOGLIK, PARAMS, gammagamma_loglik

MIN_REPEAT_CUSTOMERS = 100  # below this the drop-out and spend parameters are not identified
MIN_CUSTOMERS = 200
LR_THRESHOLD = 1.92  # log-likelihood gain over the NBD below which drop-out is not shown


class NotEnoughDataError(SegmentationError, ValueError):
    """Too few customers (or repeat customers) for a model to be identified."""


def _check_summary(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, age = (np.asarray(v, dtype=float).ravel() for v in (frequency, recency, T))
    if not (len(x) == len(t_x) == len(age)):
        raise InvalidParameterError(
            f"frequency, recency and T must have one value per customer; got {len(x)}, "
            f"{len(t_x)} and {len(age)} values."
        )
    problems = {
        "a frequency below 0 or not whole": (x < 0) | (x != np.round(x)),
        "a recency below 0": t_x < 0,
        "a recency above T": t_x > age + 1e-9,
        "a missing value": ~np.isfinite(x) | ~np.isfinite(t_x) | ~np.isfinite(age),
    }
    for what, bad in problems.items():
        if bad.any():
            raise InvalidParameterError(
                f"{int(bad.sum())} customers have {what}; the summary must hold frequency "
                "(repeat orders), recency and T (time from the first order to the last one and "
                "to the observation end). Rebuild it from the transactions."
            )
    return x, t_x, age


def _starting_points(x: np.ndarray, T: np.ndarray, n: int, seed: int) -> list[np.ndarray]:
    scale = max(float(np.mean(T)) / max(float(np.mean(x)), 0.05), 1e-3)
    fixed = [
        np.array([1.0, scale, 1.0, 1.0]),
        np.array([0.3, scale / 3, 0.5, 3.0]),
        np.array([2.0, 2 * scale, 2.0, 10.0]),
    ]
    rng = np.random.default_rng(seed)
    while len(fixed) < n:
        fixed.append(fixed[0] * np.exp(rng.normal(0.0, 1.0, 4)))
    return fixed[:n]


class _OrdersModel:
    """What the three order models share: fitting, the NBD limit, predictions."""

    model = ""
    _leave = ""  # the name of the drop-out parameter that goes to 0 at the boundary

    def __init__(self, *, n_starts: int = 4, seed: int = 0) -> None:
        self.n_starts = n_starts
        self.seed = seed

    def fit(self, frequency, recency, T, *, weights=None) -> _OrdersModel:
        """Fit by maximum likelihood on the distinct (frequency, recency, T) rows."""
        if not isinstance(self.n_starts, int) or self.n_starts < 1:
            raise InvalidParameterError(
                f"The 'n_starts' parameter must be an int >= 1. Got {self.n_starts!r} instead."
            )
        x, t_x, age = _check_summary(frequency, recency, T)
        counts = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
        _check_enough(x, counts)
        (ux, ut, uT), inverse, n = distinct_rows(x, t_x, age)
        w = np.bincount(inverse, weights=counts, minlength=len(ux))
        data = (ux, ut, uT)
        full = maximise(
            LOGLIK[self.model], data, w, _starting_points(x, age, self.n_starts, self.seed)
        )
        nbd = maximise(LOGLIK["nbd"], data, w, [_starting_points(x, age, 1, 0)[0][:2]])
        self.full_params_ = dict(zip(PARAMS[self.model], map(float, full.params), strict=True))
        self.full_log_likelihood_ = full.log_likelihood
        self.warnings_: list[str] = []
        self.boundary_ = self._at_boundary(full, nbd, age)
        if self.boundary_:
            self._active, self._params, self.cov_ = "nbd", nbd.params, nbd.cov_log
            names = PARAMS[self.model]
            self.params_ = {names[0]: float(nbd.params[0]), names[1]: float(nbd.params[1])}
            self.params_.update({names[2]: 0.0, names[3]: math.inf})
            self.log_likelihood_ = nbd.log_likelihood
            self.warnings_.append(self._boundary_warning())
        else:
            self._active, self._params, self.cov_ = self.model, full.params, full.cov_log
            self.params_ = dict(self.full_params_)
            self.log_likelihood_ = full.log_likelihood
            if full.at_bound:
                edge = [k for k, v in self.params_.items() if abs(np.log(v)) >= 14.99]
                self.warnings_.append(
                    f"The best fit lies at the edge of what the {self.label} allows "
                    f"({', '.join(f'{k} = {self.params_[k]:.3g}' for k in edge)}): those "
                    "estimates and the ranges are unreliable. Another model may fit better."
                )
            if not full.hessian_ok:
                self.warnings_.append(
                    "The likelihood is flat in some direction: the intervals may be too wide "
                    "or too narrow. More customers or a longer period would pin it down."
                )
        if self.model == "bgnbd" and not self.boundary_ and np.mean(x == 0) > 0.5:
            self.warnings_.append(
                f"{np.mean(x == 0):.0%} of customers ordered once. BG/NBD gives every one-order "
                "customer P(alive) = 1 (it assumes nobody leaves before a repeat order); "
                "MBG/NBD lets them leave too."
            )
        self.n_customers_ = int(counts.sum())
        self.n_distinct_ = len(ux)
        self.frequency_p99_ = float(np.quantile(x, 0.99))
        return self

    def _at_boundary(self, full, nbd, T: np.ndarray) -> bool:
        """No evidence of drop-out: the maximum is at the boundary (no drop-out), or the full
        model's log-likelihood beats the NBD's by less than 1.92 (a likelihood-ratio test at
        5%: half of chi-square(1)'s 3.84, the test for a parameter on its boundary)."""
        p = full.params
        # Pareto/NBD: expected drop-outs per customer over the span; else the mean drop-out
        # probability after an order.
        pareto = self.model == "paretonbd"
        drop = p[2] / p[3] * float(np.max(T)) if pareto else p[2] / (p[2] + p[3])
        self.drop_out_gain_ = full.log_likelihood - nbd.log_likelihood
        return bool(drop < 1e-5 or self.drop_out_gain_ < LR_THRESHOLD)

    def _boundary_warning(self) -> str:
        limit = "a -> 0, b -> infinity" if self._leave == "a" else "s -> 0, beta -> infinity"
        return (
            f"The data show no sign of customers leaving: the {self.label}'s drop-out is at or "
            f"near its limit ({limit}; its log-likelihood beats the model without drop-out by "
            f"only {max(self.drop_out_gain_, 0.0):.2f}), so the predictions use the limiting "
            "model, the NBD, in which every customer stays active (P(alive) = 1). A longer "
            "calibration period, with time for customers to stop buying, may show drop-out."
        )

    # -- predictions -------------------------------------------------------------------------
    @property
    def active_model_(self) -> str:
        """The model the predictions use: this one, or 'nbd' at the boundary."""
        return self._active

    @property
    def active_params_(self) -> np.ndarray:
        return self._params

    def p_alive(self, frequency, recency, T, *, params: np.ndarray | None = None) -> np.ndarray:
        p = self._params if params is None else params
        return p_alive(self._active, p, frequency, recency, T)

    def expected_orders(
        self, t: float, frequency, recency, T, *, params: np.ndarray | None = None
    ) -> np.ndarray:
        """Expected orders in the ``t`` units after each customer's observation end."""
        p = self._params if params is None else params
        return expected_orders(self._active, p, t, frequency, recency, T)

    def active_rate(self, frequency, T) -> np.ndarray:
        return active_rate(self._params, frequency, T)


def _check_enough(x: np.ndarray, counts: np.ndarray) -> None:
    customers = int(counts.sum())
    repeaters = int(counts[x > 0].sum())
    if customers < MIN_CUSTOMERS:
        raise NotEnoughDataError(
            f"Only {customers} customers; at least {MIN_CUSTOMERS} are needed to fit a "
            "purchase model. Use a longer period or more of the data."
        )
    if repeaters < MIN_REPEAT_CUSTOMERS:
        raise NotEnoughDataError(
            f"Only {repeaters} customers ordered twice; at least {MIN_REPEAT_CUSTOMERS} are "
            "needed to tell how often customers buy and when they stop. Use a longer period "
            "or a later calibration end."
        )


class BetaGeoModel(_OrdersModel):
    """BG/NBD (Fader, Hardie & Lee 2005): the default."""

    model, label, _leave = "bgnbd", "BG/NBD", "a"


class ModifiedBetaGeoModel(_OrdersModel):
    """MBG/NBD (Batislam et al. 2007): one-order customers may have left too."""

    model, label, _leave = "mbgnbd", "MBG/NBD", "a"


class ParetoNBDModel(_OrdersModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987)."""

    model, label, _leave = "paretonbd", "Pareto/NBD", "s"


ORDER_MODELS: dict[str, type[_OrdersModel]] = {
    "bgnbd": BetaGeoModel,
    "mbgnbd": ModifiedBetaGeoModel,
    "paretonbd": ParetoNBDModel,
}


class GammaGammaModel:
    """Gamma-Gamma (Fader & Hardie 2013): the value of a customer's orders.

    Fitted on repeat customers whose repeat orders average more than 0; a customer's expected
    order value is (gamma + x m) p / (p x + q - 1), which for x = 0 is the mean of everyone,
    p gamma / (q - 1).
    """

    def __init__(self, *, n_starts: int = 3) -> None:
        self.n_starts = n_starts

    def fit(self, frequency, monetary_value, *, weights=None) -> GammaGammaModel:
        x = np.asarray(frequency, dtype=float).ravel()
        m = np.asarray(monetary_value, dtype=float).ravel()
        counts = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
        repeat = x > 0
        usable = repeat & (m > 0) & np.isfinite(m)
        self.warnings_: list[str] = []
        zero = int(counts[repeat & ~usable].sum())
        if zero:
            self.warnings_.append(
                f"{zero} repeat customers whose repeat orders average 0 or less are left out "
                "of the spend model; the model gives them its value for an average of 0 (below "
                "everyone's mean, and lower the more orders they made)."
            )
        n_use = int(counts[usable].sum())
        if n_use < MIN_REPEAT_CUSTOMERS:
            raise NotEnoughDataError(
                f"Only {n_use} customers ordered twice with a positive value; at least "
                f"{MIN_REPEAT_CUSTOMERS} are needed to fit the spend (Gamma-Gamma) model."
            )
        (ux, um), inverse, _ = distinct_rows(x[usable], m[usable])
        w = np.bincount(inverse, weights=counts[usable], minlength=len(ux))
        mean = float(np.average(m[usable], weights=counts[usable]))
        starts = [
            np.array([1.0, 1.0, mean]),
            np.array([5.0, 3.0, 2 * mean]),
            np.array([0.5, 5.0, mean]),
        ]
        found = maximise(gammagamma_loglik, (ux, um), w, starts[: max(1, self.n_starts)])
        self.params_ = dict(zip(PARAMS["gammagamma"], map(float, found.params), strict=True))
        self.log_likelihood_ = found.log_likelihood
        self.cov_ = found.cov_log
        self.n_customers_ = n_use
        self._params = found.params
        self._mean_m = mean
        if found.at_bound or self.params_["q"] > 1e4:
            self.warnings_.append(
                "Customers' average order values differ no more than chance would make them: "
                "the spend model gives every customer nearly the same expected order value."
            )
        if self.params_["q"] <= 1:
            self.warnings_.append(
                f"The spend model's q is {self.params_['q']:.2f} (at most 1): its mean order "
                "value is infinite, so customers without repeat orders get the observed mean."
            )
        return self

    @property
    def active_params_(self) -> np.ndarray:
        return self._params

    def expected_order_value(
        self, frequency, monetary_value, *, params: np.ndarray | None = None
    ) -> np.ndarray:
        """Each customer's expected order value (the conditional mean of the model)."""
        p, q, gamma = self._params if params is None else params
        x = np.asarray(frequency, dtype=float)
        m = np.where(x > 0, np.maximum(np.nan_to_num(np.asarray(monetary_value, float)), 0), 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = (gamma + x * m) * p / (p * x + q - 1)
        if q <= 1:
            value = np.where(x > 0, value, self._mean_m)
        return np.where(np.isfinite(value) & (value > 0), value, self._mean_m)
