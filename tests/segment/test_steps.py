"""The steps of run_segmentation: fitting into a Fitted, assigning with a stored model."""

from __future__ import annotations

import numpy as np

from segmentation.segment.fit import fit
from segmentation.segment.steps import Fitted, assign_run, fit_run


def test_fit_run_then_assign_run_give_the_same_labels():
    X = np.r_[np.zeros((20, 2)), np.ones((10, 2)) * 5]
    fitted = Fitted(None, None, X, {"n_clusters": 2})
    fit_run(fitted, "kmeans", X, 0, lambda fraction, message: None)
    assert fitted.labels.tolist() == fit("kmeans", X, {"n_clusters": 2}).labels.tolist()
    again = Fitted(None, None, X, {"n_clusters": 2})
    assign_run(again, fitted.model, X)
    assert again.labels.tolist() == fitted.labels.tolist()
    assert again.notes == ["Segments assigned with the fitted model of the earlier run."]
