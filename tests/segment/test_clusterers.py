"""The fitters: Ward's tree against scikit-learn, convergence warnings as notes."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score

from segmentation.segment.clusterers import WardTree, warning_notes
from segmentation.segment.fit import fit


def test_ward_matches_agglomerative_clustering():
    X = np.random.default_rng(4).normal(size=(300, 2))
    ours = fit("ward", X, {"n_clusters": 5}).labels
    theirs = AgglomerativeClustering(n_clusters=5, linkage="ward").fit_predict(X)
    assert adjusted_rand_score(ours, theirs) == 1.0


def test_ward_tree_cuts_at_any_number_of_segments():
    X = np.r_[np.zeros((20, 2)), np.ones((10, 2)), np.full((5, 2), 9.0)]
    tree = WardTree.build(X, 0, lambda fraction, message: None)
    assert tree.cut(X, 2).labels.tolist() == [0] * 30 + [1] * 5
    assert tree.cut(X, 3).labels.tolist() == [0] * 20 + [1] * 10 + [2] * 5


def test_convergence_warnings_become_one_note_each():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            warnings.warn("Few distinct points. Really.", ConvergenceWarning, stacklevel=1)
    assert warning_notes(caught) == ["Did not fully converge: Few distinct points."]
