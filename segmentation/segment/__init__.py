"""Segment: prepare a customer table's features, fit an algorithm, judge it, store it as a run.

- ``preprocess``: the user's preparation choices (PrepConfig) -> a fitted scikit-learn Pipeline;
  ``transformers``: the pipeline's own small transformers (pickled with every run).
- ``registry``: every algorithm and its declared parameters (Param, Algorithm, REGISTRY,
  get_algorithm, validate_params).
- ``result``: FitResult and the fitted models a run pickles (shared by fitters and rfm).
- ``fit``: fit, fit_each_k, assign; ``clusterers``: the k-means, GMM, Ward and HDBSCAN fitters;
  ``rfm``: RFM rules; ``sampling``: random and stratified samples (the one home of sampling).
- ``diagnostics``: the k sweep, stability, comparison; ``metrics``: silhouette and run metrics.
- ``runs``: run_segmentation, list_runs, get_run, assignments, renaming and the diagnostics of
  stored runs; ``steps``: run_segmentation's steps; ``inputs``: the customer table and a run's
  recipe; ``store``: a run's rows in ``_seg`` and its model (old pickles included).
- ``recipe``: a run as TOML, re-run or re-applied with the stored model.

Nothing is imported here: importing a module of this package costs only what that module needs.
"""
