"""Recipes: a run written as a TOML file, to reproduce it or re-apply it to next month's data.

A recipe names the source table and how its features were built (the raw table, the file it
came from, roles, as_of), the feature preparation, the algorithm, its parameters and seed.

* ``segment run --recipe FILE`` on the same data reproduces the same assignments.
* Point ``[source] file`` at a newer file (next month's export): it is loaded, features are
  built with the same roles and a fresh as_of, and the fitted pipeline and model of the
  recipe's run (when that run is in the workspace) assign every customer, so segment 3 keeps
  its meaning; ``refit=True`` fits a new model with the same settings instead.
* :func:`apply_run` does the same for a table already in the workspace.

>>> text = recipe_toml(ws, "r1")  # doctest: +SKIP
>>> run = run_recipe(ws, parse_recipe(text))  # doctest: +SKIP
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from ..errors import InvalidParameterError, SegmentationError
from ..ingest.files import file_sha256
from ..progress import Progress
from ..workspace import Workspace, safe_table_name
from .preprocess import PrepConfig
from .runs import Namer, Run, fitted, get_run, run_segmentation

VERSION = 1


def recipe_of(ws: Workspace, run_id: str) -> dict[str, Any]:
    """The recipe of a stored run, with the run's id."""
    run = get_run(ws, run_id)
    return {**run.recipe, "run": {"id": run.run_id, "name": run.name}}


def recipe_toml(ws: Workspace, run_id: str) -> str:
    """The recipe of a run as TOML text."""
    header = (
        f"# Recipe of run {run_id}: `segment run --recipe THIS_FILE` reproduces it.\n"
        "# To re-apply it to newer data, set [source] file to the new file's path.\n"
    )
    return header + tomli_w.dumps(_plain(recipe_of(ws, run_id)))


def write_recipe(ws: Workspace, run_id: str, path: str | Path) -> Path:
    """Write a run's recipe to a TOML file."""
    path = Path(path)
    try:
        path.write_text(recipe_toml(ws, run_id), encoding="utf-8")
    except OSError as exc:
        raise SegmentationError(f"Cannot write the recipe to {path}: {exc.strerror}.") from exc
    return path


def _plain(value: Any) -> Any:
    """TOML has no null: drop None values, recursively."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value if v is not None]
    return value


def parse_recipe(text: str) -> dict[str, Any]:
    """Read and check recipe TOML text."""
    try:
        recipe = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidParameterError(f"The recipe is not valid TOML ({exc}).") from exc
    if recipe.get("version") != VERSION:
        raise InvalidParameterError(
            f"The recipe's version must be {VERSION}. Got {recipe.get('version')!r}; write it "
            "again with `segment recipe RUN_ID --out FILE`."
        )
    for key in ("source", "algorithm"):
        if not isinstance(recipe.get(key), dict):
            raise InvalidParameterError(f"The recipe has no [{key}] section.")
    if "table" not in recipe["source"] or "name" not in recipe["algorithm"]:
        raise InvalidParameterError("The recipe needs [source] table and [algorithm] name.")
    return recipe


def read_recipe(path: str | Path) -> dict[str, Any]:
    """Read and check a recipe file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise InvalidParameterError(f"Cannot read the recipe {path}: {exc}.") from exc
    return parse_recipe(text)


def run_recipe(
    ws: Workspace,
    recipe: dict[str, Any],
    *,
    refit: bool = False,
    progress: Progress | None = None,
    namer: Namer | None = None,
) -> Run:
    """Run a recipe: on its table, or on the newer file its ``[source] file`` names.

    ``namer`` names the new run's segments (see :func:`~.runs.run_segmentation`)."""
    source = recipe["source"]
    table = source["table"]
    new_file = _newer_file(source)
    model = None
    if new_file is not None:
        table = _load_newer(ws, source, new_file, progress)
        run_id = (recipe.get("run") or {}).get("id")
        if run_id and not refit and _has_run(ws, run_id):
            model = stored_model(ws, run_id)
    elif not ws.has_table(table):
        raise InvalidParameterError(
            f"The recipe's table {table!r} is not in this workspace. Set [source] file to the "
            "data file to load, or run it in the workspace that made it."
        )
    return _run(ws, recipe, table, model, progress, namer)


def apply_run(
    ws: Workspace,
    run_id: str,
    table: str | None = None,
    *,
    progress: Progress | None = None,
    namer: Namer | None = None,
) -> Run:
    """A new run that gives the customers of ``table`` (default: the run's own) the segments of
    a stored run's fitted pipeline and model, with no refit, as ``segment run --recipe`` does
    for a newer file.

    >>> apply_run(ws, "r2").notes[-1]  # doctest: +SKIP
    'Segments assigned with the fitted model of the earlier run.'
    """
    recipe = parse_recipe(recipe_toml(ws, run_id))
    table = table or recipe["source"]["table"]
    return _run(ws, recipe, table, stored_model(ws, run_id), progress, namer)


def stored_model(ws: Workspace, run_id: str) -> tuple[Any, Any]:
    """A stored run's fitted ``(pipeline, model)``, read through the old-path-aware unpickler."""
    stored = fitted(ws, run_id)
    return stored["pipeline"], stored["model"]


def _run(
    ws: Workspace,
    recipe: dict[str, Any],
    table: str,
    model: tuple[Any, Any] | None,
    progress: Progress | None,
    namer: Namer | None = None,
) -> Run:
    algo = recipe["algorithm"]
    features = recipe.get("features") or {}
    prep = PrepConfig.from_dict(features) if "scaler" in features else None
    return run_segmentation(
        ws,
        table,
        algorithm=algo["name"],
        params=algo.get("params") or {},
        prep=prep,
        features=None if prep else features.get("features"),
        seed=int(algo.get("seed", 0)),
        progress=progress,
        namer=namer,
        _model=model,
    )


def _has_run(ws: Workspace, run_id: str) -> bool:
    try:
        get_run(ws, run_id)
    except SegmentationError:
        return False
    return True


def _newer_file(source: dict[str, Any]) -> Path | None:
    """The recipe's file when it is a readable path with content other than the recorded one."""
    name = source.get("file")
    if not name:
        return None
    path = Path(name).expanduser()
    if not path.is_file():
        if source.get("file_sha256"):
            return None  # the recorded upload name, not a path: use the tables
        raise InvalidParameterError(f"The recipe's [source] file {name!r} does not exist.")
    digest = file_sha256(path)
    return None if digest == source.get("file_sha256") else path


def _load_newer(ws: Workspace, source: dict, path: Path, progress: Progress | None) -> str:
    """Load the newer file and build its features as the recipe's source was built."""
    from ..features.build import build_features
    from ..ingest.load import ingest_file

    raw = safe_table_name(path.name)
    if raw == source.get("built_from"):
        raw = f"{raw}_new"
    ingest_file(ws, path, table=raw, replace=True, progress=progress)
    if source.get("kind") != "features":
        return raw
    result = build_features(
        ws,
        raw,
        roles=source.get("roles") or None,
        top_categories=int(source.get("top_categories", 8)),
        replace=True,
        progress=progress,
    )
    return result.table
