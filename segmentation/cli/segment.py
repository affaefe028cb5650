"""`segment run`, `sweep`, `runs`, `recipe`, `rename-run`, `delete-run`: segmentation runs."""

from __future__ import annotations

import argparse
import json
from typing import Any

from . import common


def add_commands(sub, shared=common) -> None:
    p = sub.add_parser("run", help="segment the customers of a feature or customer table")
    p.add_argument("table", nargs="?", help="a feature table (segment features) or customer table")
    p.add_argument("--recipe", metavar="FILE", help="run a recipe (segment recipe) instead")
    p.add_argument("--refit", action="store_true", help="with --recipe: fit a new model")
    p.add_argument("--algorithm", default="kmeans", help="rfm, kmeans, gmm, ward or hdbscan")
    p.add_argument("--k", help="number of segments (n_clusters / n_components)")
    p.add_argument("--features", help="comma-separated feature columns (default: behavioural)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an algorithm parameter (repeatable), e.g. --param n_init=20",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--name", help="a name for the run")
    p.set_defaults(run=cmd_run)

    p = sub.add_parser("sweep", help="compare numbers of segments: inertia, silhouette, ...")
    p.add_argument("table")
    p.add_argument("--algorithm", default="kmeans", help="kmeans, gmm or ward")
    p.add_argument("--k", default="2-12", help="a range such as 2-12 (default)")
    p.add_argument("--features", help="comma-separated feature columns (default: behavioural)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=cmd_sweep)

    p = sub.add_parser("runs", help="list the segmentation runs")
    p.set_defaults(run=cmd_runs)

    p = sub.add_parser("recipe", help="write a run's recipe (TOML)")
    p.add_argument("run_id")
    p.add_argument("--out", metavar="FILE", help="file to write (default: print it)")
    p.set_defaults(run=cmd_recipe)

    p = sub.add_parser("rename-run", help="rename a run")
    p.add_argument("run_id")
    p.add_argument("name")
    p.set_defaults(run=cmd_rename_run)

    p = sub.add_parser("delete-run", help="delete a run")
    p.add_argument("run_id")
    p.set_defaults(run=cmd_delete_run)


def k_range(text: str) -> range:
    from ..errors import InvalidParameterError

    low, sep, high = text.partition("-")
    try:
        return range(int(low), int(high if sep else low) + 1)
    except ValueError:
        raise InvalidParameterError(
            f"The '--k' option must be a range such as 2-12. Got {text!r} instead."
        ) from None


def cmd_run(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..errors import InvalidParameterError
    from ..profiles.naming import name_segments  # segments named when the run is made

    ws = common.workspace(args)
    if args.recipe:
        from ..segment.recipe import read_recipe, run_recipe

        run = run_recipe(
            ws,
            read_recipe(args.recipe),
            refit=args.refit,
            progress=common.progress(args),
            namer=name_segments,
        )
    else:
        from ..segment.registry import get_algorithm
        from ..segment.runs import run_segmentation

        if not args.table:
            raise InvalidParameterError("Name a TABLE to segment, or give --recipe FILE.")
        params: dict[str, Any] = common.pairs(args.param, "--param")
        if args.k is not None:
            k_param = get_algorithm(args.algorithm).k_param
            if k_param is None:
                raise InvalidParameterError(
                    f"--k does not apply to {args.algorithm}: it finds its own number of "
                    "segments. Use --param instead."
                )
            params[k_param] = args.k
        run = run_segmentation(
            ws,
            args.table,
            algorithm=args.algorithm,
            params=params,
            features=common.columns(args.features),
            seed=args.seed,
            name=args.name,
            progress=common.progress(args),
            namer=name_segments,
        )
    lines = [
        f"Run {run.run_id} ({run.name}): {run.customers:,} customers in "
        f"{len(run.segments)} segments."
    ]
    width = max([24, *(len(s.name) for s in run.segments)])
    lines += [f"  {s.segment_id:>3}  {s.name:<{width}} {s.size:>10,}" for s in run.segments]
    metrics = {k: v for k, v in run.metrics.items() if isinstance(v, float)}
    lines += ["  " + ", ".join(f"{k} {v:.3f}" for k, v in metrics.items())] if metrics else []
    lines += [f"note: {n}" for n in run.notes]
    return run.to_dict(), "\n".join(lines)


def cmd_sweep(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..segment.runs import sweep

    result = sweep(
        common.workspace(args),
        args.table,
        algorithm=args.algorithm,
        ks=k_range(args.k),
        features=common.columns(args.features),
        seed=args.seed,
        progress=common.progress(args),
    )
    frame = result.to_frame()
    data = {
        "table": args.table,
        "algorithm": args.algorithm,
        "results": json.loads(frame.to_json(orient="records")),
        "recommended_k": result.recommended_k,
        "elbow_k": result.elbow_k,
        "reason": result.reason,
        "silhouette_sample_size": result.silhouette_sample_size,
    }
    text = frame.to_string(index=False) + f"\nRecommended: {result.reason}"
    return data, text


def cmd_runs(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..segment.runs import list_runs

    runs = list_runs(common.workspace(args))
    data = {"runs": [{k: v for k, v in r.to_dict().items() if k != "recipe"} for r in runs]}
    if not runs:
        return data, "No runs yet. Make one with `segment run TABLE --algorithm kmeans --k 6`."
    lines = [f"{'run':<6} {'algorithm':<9} {'segments':>8} {'customers':>10}  name"]
    lines += [
        f"{r.run_id:<6} {r.algorithm:<9} {len(r.segments):>8} {r.customers:>10,}  {r.name}"
        for r in runs
    ]
    return data, "\n".join(lines)


def cmd_recipe(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..segment.recipe import recipe_of, recipe_toml, write_recipe

    ws = common.workspace(args)
    if args.out:
        path = write_recipe(ws, args.run_id, args.out)
        return {"run_id": args.run_id, "file": str(path)}, f"Wrote {path}"
    return recipe_of(ws, args.run_id), recipe_toml(ws, args.run_id)


def cmd_rename_run(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..segment.runs import rename_run

    run = rename_run(common.workspace(args), args.run_id, args.name)
    return {"run_id": run.run_id, "name": run.name}, f"Run {run.run_id} is now {run.name!r}."


def cmd_delete_run(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..segment.runs import delete_run

    delete_run(common.workspace(args), args.run_id)
    return {"deleted": args.run_id}, f"Deleted run {args.run_id}."
