"""Sub-commands of `segment` that live beside the steps they expose.

Each module here defines ``add_commands(sub, shared)``: it adds its parsers to the
``argparse`` sub-parsers ``sub`` and sets ``run`` on each to a function
``(args) -> (json_dict, text)``. ``shared`` is :class:`segmentation.cli.Shared` (opening the
workspace, the progress printer, KEY=VALUE parsing). Modules import heavy libraries inside their
command functions only, so `segment --help` stays quick.
"""

MODULES = ("explore", "profiles", "export", "bench", "scale")
