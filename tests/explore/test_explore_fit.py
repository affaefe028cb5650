"""Fitting: PCA of the prepared matrix (the segment-stratified sample is tested in
tests/segment/test_sampling.py)."""

import numpy as np
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.explore.fit import fit_pca
from segmentation.explore.params import check_params
from segmentation.explore.prepared import PreparedFeatures
from segmentation.progress import no_progress


def test_pca_needs_as_many_prepared_features_as_dimensions():
    rng = np.random.default_rng(0)
    prepared = PreparedFeatures(np.arange(50), rng.normal(size=(50, 2)), np.ones(50), ["a", "b"])
    coords, rows, variance, loadings = fit_pca(prepared, check_params("pca"), no_progress)
    assert coords.shape == (50, 2) and (rows == np.arange(50)).all()
    assert sum(variance) == pytest.approx(1.0) and list(loadings.index) == ["a", "b"]
    with pytest.raises(InvalidParameterError, match="A 3-D PCA needs at least 3 prepared features"):
        fit_pca(prepared, check_params("pca", dims=3), no_progress)
