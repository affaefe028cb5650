"""Fitting: the segment-stratified sample UMAP fits on, and PCA of the prepared matrix."""

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.explore import fit as projection
from segmentation.explore.fit import fit_pca
from segmentation.explore.params import check_params
from segmentation.explore.prepared import PreparedFeatures
from segmentation.progress import no_progress


def test_stratified_sample_keeps_small_segments():
    ids = np.array([1] * 9_000 + [2] * 990 + [3] * 10)
    rows = projection.stratified_sample(ids, 500, seed=0)
    assert len(rows) == 500 and len(np.unique(rows)) == 500
    counts = pd.Series(ids[rows]).value_counts()
    assert counts[3] == 10  # the whole small segment
    assert counts[1] > counts[2] > counts[3]
    assert (projection.stratified_sample(ids, 500, seed=0) == rows).all()
    assert len(projection.stratified_sample(ids, 20_000)) == len(ids)


def test_pca_needs_as_many_prepared_features_as_dimensions():
    rng = np.random.default_rng(0)
    prepared = PreparedFeatures(np.arange(50), rng.normal(size=(50, 2)), np.ones(50), ["a", "b"])
    coords, rows, variance, loadings = fit_pca(prepared, check_params("pca"), no_progress)
    assert coords.shape == (50, 2) and (rows == np.arange(50)).all()
    assert sum(variance) == pytest.approx(1.0) and list(loadings.index) == ["a", "b"]
    with pytest.raises(InvalidParameterError, match="A 3-D PCA needs at least 3 prepared features"):
        fit_pca(prepared, check_params("pca", dims=3), no_progress)
