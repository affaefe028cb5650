"""The `segment` command: :mod:`.main` builds the parser and runs a command.

Each module named in ``MODULES`` defines ``add_commands(sub, shared)``: it adds its parsers to
the ``argparse`` sub-parsers ``sub`` and sets ``run`` on each to a function
``(args) -> (json_dict, text)`` (or an exit code, for a command that prints its own output).
``shared`` is :mod:`.common` (opening the workspace, the progress printer, KEY=VALUE parsing).
Modules import heavy libraries inside their command functions only, so `segment --help` stays
quick.
"""

MODULES = (
    "ingest",
    "features",
    "segment",
    "explore",
    "profiles",
    "predict",
    "recommend",
    "export",
    "measure",
    "scale",
    "bench",
)
