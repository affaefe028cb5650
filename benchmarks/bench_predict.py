"""Predict at 1M customers: BG/NBD + Gamma-Gamma fit <= 10 s, every customer's outputs <= 5 s,
intervals <= 10 s, peak memory <= 2 GB; lifetimes 0.11.3 on a subsample in the same run.

The customers are drawn from the BG/NBD story (:func:`segmentation.predict.simulate.simulate_bgnbd`,
r = 0.25, alpha = 4, a = 0.8, b = 2.5 per week), first seen uniformly over the first year of a
two-year window, their times rounded to days (as dates are), and their repeat orders given
gamma-gamma values (p = 6, q = 4, gamma = 15). The summary is built in memory, not from a
workspace table: this measures the models, not the SQL (bench_features measures that).

Stages, timed one after another in this process (peak memory is the process's, ru_maxrss):

1. fit: BG/NBD (distinct rows, multi-start, NBD check, Hessian) and Gamma-Gamma;
2. outputs: P(alive), expected orders over 52 weeks, expected order value, discounted CLV and
   churn risk for every customer (``score_customers(..., intervals=False)``);
3. intervals: the same with 80% intervals, minus stage 2; plus the totals of 10 groups;
4. lifetimes: BetaGeoFitter + GammaGammaFitter fit, conditional expected purchases,
   P(alive) and CLV on the first ``--lifetimes-sample`` customers (default 100,000; lifetimes
   fits every row, without weights, so the full size takes minutes), and ours on the same
   subsample for the side-by-side figure.

    .venv/bin/python -m benchmarks.bench_predict [--customers N] [--lifetimes-sample N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.harness import machine, self_peak_mb

TARGETS = {"fit": 10.0, "outputs": 5.0, "intervals": 10.0, "peak_mb": 2048.0}


def make_customers(n: int, seed: int = 1) -> tuple[np.ndarray, ...]:
    from segmentation.predict.simulate import simulate_bgnbd

    rng = np.random.default_rng(seed)
    T = np.floor(rng.uniform(52.0, 104.0, n) * 7) / 7  # first seen in the first year
    x, t_x, T = simulate_bgnbd(n, r=0.25, alpha=4.0, a=0.8, b=2.5, T=T, seed=seed, step=1 / 7)
    nu = rng.gamma(4.0, 1 / 15.0, n)  # each customer's spend rate: mean order value p / nu
    m = np.where(x > 0, rng.gamma(6.0 * np.maximum(x, 1), 1.0) / np.maximum(x, 1) / nu, 0.0)
    return x, t_x, T, np.round(m, 2)


class _Clock:
    """Wall and CPU seconds of a block (CPU: this process, all threads)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def ours(x, t_x, T, m, report: dict, prefix: str = "") -> None:
    from segmentation.predict import BetaGeoModel, GammaGammaModel, group_totals, score_customers

    ids = np.arange(len(x))
    with _Clock() as fit:
        model = BetaGeoModel().fit(x, t_x, T)
        spend = GammaGammaModel().fit(x, m)
    settings = {"horizon": 52.0, "unit_days": 7.0, "rate": 0.1}
    with _Clock() as outputs:
        score_customers(model, spend, ids, x, t_x, T, m, **settings, intervals=False)
    with _Clock() as both:
        scores = score_customers(model, spend, ids, x, t_x, T, m, **settings)
        group_totals(scores, ids % 10)
    report[prefix + "fit"] = (fit.wall, fit.cpu)
    report[prefix + "outputs"] = (outputs.wall, outputs.cpu)
    report[prefix + "intervals"] = (both.wall - outputs.wall, both.cpu - outputs.cpu)
    report[prefix + "distinct_rows"] = model.n_distinct_
    report[prefix + "params"] = {k: round(v, 4) for k, v in model.params_.items()}


def theirs(x, t_x, T, m, report: dict) -> None:
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    with _Clock() as fit:
        bg = BetaGeoFitter().fit(x, t_x, T)
        repeat = x > 0
        gg = GammaGammaFitter().fit(x[repeat], m[repeat])
    with _Clock() as outputs:
        bg.conditional_expected_number_of_purchases_up_to_time(52.0, x, t_x, T)
        bg.conditional_probability_alive(x, t_x, T)
        frame = pd.DataFrame({"x": x, "t": t_x, "T": T, "m": m})
        gg.customer_lifetime_value(
            bg, frame["x"], frame["t"], frame["T"], frame["m"], time=12, discount_rate=0.008,
            freq="W",
        )  # fmt: skip
    report["lifetimes_fit"] = (fit.wall, fit.cpu)
    report["lifetimes_outputs"] = (outputs.wall, outputs.cpu)
    report["lifetimes_params"] = {k: round(float(v), 4) for k, v in bg.params_.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lifetimes-sample", type=int, default=100_000)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    x, t_x, T, m = make_customers(args.customers)
    made = time.perf_counter() - start
    report: dict = {}
    ours(x, t_x, T, m, report)
    peak = self_peak_mb()
    n = min(args.lifetimes_sample, args.customers)
    sub = tuple(v[:n] for v in (x, t_x, T, m))
    ours(*sub, report, prefix="sample_")
    theirs(*sub, report)
    info = machine()
    print(f"# bench_predict: {args.customers:,} customers ({made:.1f} s to simulate)")
    print(
        f"machine: {info.get('cpu', '?')}, {info.get('cores', '?')} cores, {info.get('memory', '?')}"
    )
    print(f"distinct (frequency, recency, T) rows: {report['distinct_rows']:,}")
    print(f"BG/NBD fitted: {report['params']} (simulated with r=0.25, alpha=4, a=0.8, b=2.5)")
    print()
    print("| stage | seconds | cpu s | target | met |")
    print("|---|---:|---:|---:|---|")
    for stage in ("fit", "outputs", "intervals"):
        wall, cpu = report[stage]
        met = "yes" if wall <= TARGETS[stage] else "no"
        print(f"| {stage} | {wall:.2f} | {cpu:.2f} | <= {TARGETS[stage]:.0f} | {met} |")
    met = "yes" if peak <= TARGETS["peak_mb"] else "no"
    print(f"| peak memory (MB) | {peak:.0f} | | <= {TARGETS['peak_mb']:.0f} | {met} |")
    print()
    print(f"Side by side on the first {n:,} customers (seconds, cpu seconds):")
    print("| | fit | outputs (expected orders, P(alive), CLV) |")
    print("|---|---:|---:|")
    for label, key in (("segmentation.predict", "sample_"), ("lifetimes 0.11.3", "lifetimes_")):
        fit, out = report[key + "fit"], report[key + "outputs"]
        print(f"| {label} | {fit[0]:.2f} ({fit[1]:.2f}) | {out[0]:.2f} ({out[1]:.2f}) |")
    print(f"BG/NBD on the subsample, lifetimes: {report['lifetimes_params']}")
    print(f"BG/NBD on the subsample, ours:      {report['sample_params']}")
    print(f"load average: {info.get('load average at start', '?')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
