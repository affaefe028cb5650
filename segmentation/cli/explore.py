"""`segment project`: PCA or UMAP coordinates of a run's customers, optionally to Parquet."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(sub, shared) -> None:
    _parser(sub).set_defaults(run=lambda args: _project(args, shared))


def _parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "project",
        help="PCA or UMAP coordinates of a run's customers (cached in the workspace)",
        description="Project a run's customers to 2 or 3 dimensions: PCA of every customer, or "
        "UMAP of a sample stratified by segment. Coordinates are kept in the workspace, so a "
        "second call with the same options reads them back.",
    )
    p.add_argument("run_id")
    p.add_argument("--method", default="pca", help="pca (default) or umap")
    p.add_argument("--dims", type=int, default=2, help="2 (default) or 3")
    p.add_argument(
        "--sample", type=int, help="umap: customers in the stratified sample (default 20000)"
    )
    p.add_argument("--neighbors", type=int, default=15, help="umap: n_neighbors (default 15)")
    p.add_argument("--min-dist", type=float, default=0.1, help="umap: min_dist in [0, 1] (0.1)")
    p.add_argument(
        "--metric",
        default="euclidean",
        help="umap: euclidean (default), manhattan, chebyshev, cosine or correlation",
    )
    p.add_argument("--seed", type=int, default=0, help="umap: random seed (default 0)")
    p.add_argument("--refresh", action="store_true", help="fit again even if stored")
    p.add_argument(
        "--out",
        metavar="FILE.parquet",
        help="write customer_id, segment_id, segment, x, y[, z] to this Parquet file",
    )
    return p


def _project(args: argparse.Namespace, shared) -> tuple[dict[str, Any], str]:
    from ..explore.points import write_points
    from ..explore.project import project

    options: dict[str, Any] = {"dims": args.dims, "refresh": args.refresh}
    if args.method == "umap":
        options.update(
            sample=args.sample,
            n_neighbors=args.neighbors,
            min_dist=args.min_dist,
            metric=args.metric,
            seed=args.seed,
        )
    elif args.sample is not None:
        options["sample"] = args.sample  # refused by the library with the reason
    result = project(
        shared.workspace(args),
        args.run_id,
        args.method,
        progress=shared.progress(args),
        **options,
    )
    data = result.to_dict()
    lines = [
        f"{result.method.upper()} of run {result.run_id}: {len(result.points):,} of "
        f"{result.customers:,} customers in {result.dims} dimensions "
        f"({'read from the workspace' if result.cached else 'fitted'} in "
        f"{result.seconds:.1f} s)."
    ]
    if result.explained_variance is not None:
        lines.append(
            "Explained variance: "
            + ", ".join(f"PC{i + 1} {v:.1%}" for i, v in enumerate(result.explained_variance))
        )
    if args.out:
        path = write_points(result, args.out)
        data["file"] = str(path)
        lines.append(f"Wrote {path}")
    return data, "\n".join(lines)
