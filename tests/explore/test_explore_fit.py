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


class _Stopped(Exception):
    """What Streamlit raises from ``st.progress`` to stop a rerun."""


def _umap_input(n: int = 120) -> PreparedFeatures:
    rng = np.random.default_rng(1)
    return PreparedFeatures(np.arange(n), rng.normal(size=(n, 4)), np.arange(n) % 3, list("abcd"))


def test_an_interrupted_umap_fit_does_not_hang_the_next_fit_in_another_thread():
    import threading

    from segmentation.explore.fit import fit_umap

    params = check_params("umap", sample=120, n_neighbors=10)

    def stop_half_way(fraction: float, _message: str) -> None:
        if fraction > 0.5:
            raise _Stopped("rerun")

    with pytest.raises(_Stopped, match="rerun"):
        fit_umap(_umap_input(), params, stop_half_way)
    finished = []
    other = threading.Thread(
        target=lambda: finished.append(fit_umap(_umap_input(), params, no_progress)), daemon=True
    )
    other.start()
    other.join(timeout=60)
    assert finished, "a UMAP fit after an interrupted one did not finish (tqdm's lock was kept)"
    coords, rows = finished[0]
    assert coords.shape == (120, 2) and len(rows) == 120
