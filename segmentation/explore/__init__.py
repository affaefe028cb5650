"""Explore: a run's customers on a map (PCA or UMAP), cached per run; selections of them.

A projection only shows the segments: it never changes them. Saved selections (audiences) live
in :mod:`segmentation.export`.

* :mod:`.params` - the choices (method, dims, UMAP settings), their limits and help texts
* :mod:`.project` - :func:`~.project.project` (from the cache or fitted now), ``is_cached``
* :mod:`.result` - the :class:`~.result.Projection` a call returns
* :mod:`.prepared` - the run's prepared feature matrix a projection starts from
* :mod:`.fit` - PCA and UMAP fitting, and the segment-stratified sample UMAP fits on
* :mod:`.cache` - storing and reading coordinates in ``_seg.projections``
* :mod:`.points` - what a chart draws (hover features, colours), its caption, the Parquet file
* :mod:`.selection` - the customers a lasso or box picked, and their profile against everyone
"""
