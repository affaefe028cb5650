"""Customer segmentation studio: the library behind the app and the `segment` command.

The flow: ingest -> features -> preprocess -> segment -> explore -> profile -> export.
Every step is a plain function over a :class:`~segmentation.workspace.Workspace`.
This package never imports streamlit.
"""

__version__ = "0.1.0"
