"""Ingest: a user's file becomes a typed workspace table, its columns' roles guessed, its quality
reported. One load is one transaction.

- :mod:`.load`: :func:`~.load.ingest_file` / ``ingest_upload`` and the transaction around them;
  ``update_roles``.
- :mod:`.files`: what a file is, told by its bytes (format, binary posing as text);
  ``file_sha256``; placing a file in the workspace's inbox.
- :mod:`.text`: encodings, dialects and samples of text files.
- :mod:`.excel`: the first sheet of a workbook.
- :mod:`.coltypes`: column types chosen from a sample, and the SQL that converts them.
- :mod:`.roles`: column roles (customer id, date, amount, ...) guessed and checked.
- :mod:`.quality`: the quality report and the kind of table (transactions or customers).
"""
