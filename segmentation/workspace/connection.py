"""The workspace: one DuckDB file holding the user's tables, their metadata, and later runs.

This module is the only owner of DuckDB connections and of SQL identifier quoting.

* One connection per process and workspace file (:func:`open_workspace` caches it); every call
  takes its own cursor, so Streamlit sessions on different threads can read at once.
* Writes are serialized by a lock and run in a transaction (:meth:`Workspace.transaction`): a
  load either completes or leaves the workspace as it was.
* Once open, DuckDB's access to files is switched off and the configuration locked, so no SQL
  that carries user text (column names, table names) can read or write files, with one
  exception: the workspace's *inbox*, a private folder beside it (mode 0700, removed on close)
  into which a load places the one file it reads. Loading reads that file straight into the
  workspace (no copy through Python), on the *loader* cursor, whose progress can be polled
  (:meth:`Workspace.run_with_progress`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from ..errors import (
    InvalidParameterError,
    NameClashError,
    TableNotFoundError,
    WorkspaceError,
    WorkspaceInUseError,
)
from .catalog import (
    TABLE_KINDS,
    ColumnInfo,
    TableInfo,
    check_table_name,
    quote_ident,
    table_info_from_row,
)
from .driver import is_interrupt, translate
from .frames import fetch_frame
from .schema import CORE_SQL, META, check_version

DEFAULT_WORKSPACE = "workspace.duckdb"


def _translate_open_error(path: Path, exc: Exception) -> WorkspaceError:
    text = str(exc)
    if "lock" in text.lower():
        return WorkspaceInUseError(
            f"The workspace {path} is in use by another process (the app or another `segment` "
            "command). Close it first, or choose another workspace with --workspace PATH or "
            "$SEGMENT_WORKSPACE."
        )
    return WorkspaceError(
        f"The workspace {path} cannot be opened: {text.splitlines()[0]}. If it is not a "
        "workspace made by this tool, choose another path with --workspace PATH."
    )


class Workspace:
    """A DuckDB workspace file. Use :func:`open_workspace` rather than building one directly.

    >>> ws = open_workspace("/tmp/doc-example.duckdb")  # doctest: +SKIP
    >>> [t.name for t in ws.tables()]  # doctest: +SKIP
    ['sample_transactions', 'sample_customers']
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser().resolve()
        if self.path.is_dir():
            raise WorkspaceError(f"The workspace path {self.path} is a folder; give a file path.")
        if not self.path.parent.exists():
            raise WorkspaceError(
                f"The folder of the workspace {self.path} does not exist; create it first."
            )
        try:
            self._con = duckdb.connect(str(self.path))
        except duckdb.Error as exc:
            raise _translate_open_error(self.path, exc) from exc
        self._write_lock = threading.RLock()
        self._schemas: set[str] = set()
        # Beside the workspace, as DuckDB's own .wal and .tmp: on its file system, so a file
        # there is hard-linked, not copied (a /tmp in memory would hold a copy in RAM).
        _remove_stale_inboxes(self.path.parent)
        try:
            self.inbox = Path(
                tempfile.mkdtemp(prefix=f"{_INBOX_PREFIX}{os.getpid()}-", dir=self.path.parent)
            )  # mode 0700
        except OSError as exc:
            self._con.close()
            raise WorkspaceError(
                f"The folder of the workspace {self.path} cannot be written to ({exc.strerror}). "
                "Choose a workspace in a folder you can write to with --workspace PATH."
            ) from exc
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.inbox, True)
        self._con.execute("SET TimeZone = 'UTC'")
        self._set_memory_limit()
        self._con.execute(CORE_SQL)
        check_version(self._con, self.path)
        self._con.execute("SET allowed_directories = ?", [[f"{self.inbox}{os.sep}"]])
        # Progress is a per-connection setting that the lock below freezes: the loader cursor
        # gets it now, and loads (serialized by the write lock) run on it.
        self._loader = self._con.cursor()
        self._loader.execute("SET enable_progress_bar = true")
        self._loader.execute("SET enable_progress_bar_print = false")
        self._loader.execute("SET progress_bar_time = 0")
        self._con.execute("SET enable_external_access = false")
        self._con.execute("SET lock_configuration = true")

    def _set_memory_limit(self) -> None:
        """DuckDB's share of memory: ``$SEGMENT_MEMORY_LIMIT`` (e.g. ``4GB``), else 40% of RAM.

        DuckDB's default (80%) leaves too little for what runs beside it in the same process:
        pandas frames and models of a million customers, UMAP, the app's other sessions. Past
        the limit DuckDB spills to ``<workspace>.tmp`` instead of failing.
        """
        wanted = os.environ.get("SEGMENT_MEMORY_LIMIT")
        if not wanted:
            ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
            wanted = f"{max(ram * MEMORY_SHARE / 2**20, 256):.0f}MiB"
        try:
            self._con.execute("SET memory_limit = ?", [wanted])
        except duckdb.Error as exc:
            self._con.close()
            raise WorkspaceError(
                f"SEGMENT_MEMORY_LIMIT must be an amount of memory such as 4GB or 800MB. "
                f"Got {wanted!r} instead."
            ) from exc

    # -- connections -----------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor for one call; cursors on one workspace may be used from several threads."""
        return self._con.cursor()

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for reads (closed after), DuckDB's errors translated as :meth:`query` does.

        >>> with ws.reading() as cur:  # doctest: +SKIP
        ...     cur.register("__chosen", frame)
        ...     rows = cur.execute("SELECT ...").fetchall()
        """
        cur = self._con.cursor()
        try:
            yield cur
        except duckdb.Error as exc:
            if is_interrupt(exc):
                raise
            raise translate(exc) from exc
        finally:
            cur.close()

    @contextmanager
    def transaction(self, *, loader: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Serialize a write: yields a cursor inside BEGIN ... COMMIT, rolled back on any error.

        ``loader=True`` yields the loader cursor, which may read the inbox with progress.
        """
        with self._write_lock:
            cur = self._loader if loader else self._con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except duckdb.Error as exc:
                cur.execute("ROLLBACK")
                if is_interrupt(exc):
                    raise
                raise translate(exc) from exc
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                if not loader:
                    cur.close()

    @staticmethod
    def run_with_progress(
        cur: duckdb.DuckDBPyConnection,
        sql: str,
        params: Sequence[Any] | None = None,
        report: Callable[[float], None] | None = None,
        every: float = 0.25,
    ) -> None:
        """Run one long statement on ``cur`` (the loader) while the calling thread reports
        DuckDB's progress (0..1) through ``report``; errors are raised in the caller.

        If reporting raises (a Streamlit rerun stops the script), the statement is interrupted
        before the error goes on, so the surrounding transaction can roll back.
        """
        failure: list[BaseException] = []
        finished = threading.Event()  # not Thread.join: after a Ctrl-C interrupted a join,
        # CPython 3.11 may return from the next join at once, before the statement stopped

        def work() -> None:
            try:
                cur.execute(sql, params or [])
            except BaseException as exc:  # handed to the caller's thread
                failure.append(exc)
            finally:
                finished.set()

        threading.Thread(target=work, name="segment-load", daemon=True).start()
        try:
            if report is not None:
                report(0.0)
            while not finished.wait(every):
                done = cur.query_progress()
                if report is not None and not finished.is_set() and done >= 0:
                    report(min(done, 100.0) / 100.0)
        except BaseException:
            cur.interrupt()
            finished.wait()
            raise
        if failure:
            raise failure[0]

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        """Run a read query with bound parameters; returns all rows."""
        with self.reading() as cur:
            return cur.execute(sql, params or []).fetchall()

    def query_df(self, sql: str, params: Sequence[Any] | None = None):
        """Run a read query with bound parameters; returns a pandas DataFrame."""
        with self.reading() as cur:
            return fetch_frame(cur, sql, params)

    def close(self) -> None:
        with _REGISTRY_LOCK:
            _REGISTRY.pop(self.path, None)
        self._loader.close()
        self._con.close()
        self._cleanup()

    def ensure_schema(self, ddl: str) -> None:
        """Create a module's own bookkeeping tables (``CREATE TABLE IF NOT EXISTS`` in ``_seg``)
        once per process; modules call it before their first use of those tables."""
        with self._write_lock:
            if ddl in self._schemas:
                return
            with self.transaction() as cur:
                cur.execute(ddl).fetchall()
            self._schemas.add(ddl)

    # -- catalog ---------------------------------------------------------------------------
    def tables(self, kind: str | None = None) -> list[TableInfo]:
        """The tables of the workspace, oldest first, optionally of one kind."""
        sql = f"SELECT * FROM {META}.tables"
        params: list[Any] = []
        if kind is not None:
            sql += " WHERE kind = ?"
            params.append(kind)
        with self.reading() as cur:
            rows = cur.execute(sql + " ORDER BY loaded_at, name", params).fetchall()
            names = [d[0] for d in cur.description]
        return [table_info_from_row(dict(zip(names, row, strict=True))) for row in rows]

    def has_table(self, name: str) -> bool:
        return bool(self.query(f"SELECT count(*) FROM {META}.tables WHERE name = ?", [name])[0][0])

    def table(self, name: str) -> TableInfo:
        """The metadata of one table, or a TableNotFoundError naming the tables there are."""
        for info in self.tables():
            if info.name == name:
                return info
        known = ", ".join(t.name for t in self.tables()) or "none yet"
        raise TableNotFoundError(
            f"There is no table {name!r} in the workspace {self.path.name} (tables: {known}). "
            "Load a file first, or check the name with `segment tables`."
        )

    def preview(self, name: str, limit: int = 100):
        """The first rows of a table as a DataFrame."""
        self.table(name)
        return self.query_df(f"SELECT * FROM {quote_ident(name)} LIMIT ?", [int(limit)])

    def register_table(self, cur: duckdb.DuckDBPyConnection, info: TableInfo) -> None:
        """Record a table's metadata; call inside :meth:`transaction` with the table it describes."""
        cur.execute(f"DELETE FROM {META}.tables WHERE name = ?", [info.name])
        cur.execute(
            f"INSERT INTO {META}.tables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                info.name,
                info.kind,
                info.rows,
                info.source_file,
                info.source_sha256,
                info.loaded_at or datetime.now(),
                json.dumps([c.to_dict() for c in info.columns]),
                json.dumps(info.quality, default=str),
                json.dumps(info.warnings),
                json.dumps(info.options, default=str),
            ],
        )

    def check_new_name(self, name: str, *, replace: bool = False) -> str:
        """Validate a name for a new table; a clash is an error unless ``replace``."""
        check_table_name(name)
        if not replace and self._name_taken(name):
            raise NameClashError(
                f"A table named {name!r} already exists in the workspace. Choose another name "
                "(--table NAME), or replace it (--replace, or the Replace option on the Data page)."
            )
        return name

    def _name_taken(self, name: str) -> bool:
        found = self.query(
            "SELECT count(*) FROM information_schema.tables WHERE lower(table_name) = lower(?) "
            "AND table_schema = 'main'",
            [name],
        )
        return bool(found[0][0]) or self.has_table(name)

    def drop_table(self, name: str) -> None:
        """Delete a table and its metadata."""
        self.table(name)
        with self.transaction() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
            cur.execute(f"DELETE FROM {META}.tables WHERE name = ?", [name])

    def rename_table(self, old: str, new: str) -> None:
        """Rename a table (the new name must be free)."""
        info = self.table(old)
        if new == old:
            return
        self.check_new_name(new)
        with self.transaction() as cur:
            cur.execute(f"ALTER TABLE {quote_ident(old)} RENAME TO {quote_ident(new)}")
            cur.execute(f"UPDATE {META}.tables SET name = ? WHERE name = ?", [new, old])
        del info

    def update_table(
        self,
        name: str,
        *,
        columns: list[ColumnInfo] | None = None,
        kind: str | None = None,
        quality: dict[str, Any] | None = None,
    ) -> TableInfo:
        """Save edited roles (as columns), kind and/or quality report of a table."""
        info = self.table(name)
        if kind is not None and kind not in TABLE_KINDS:
            raise InvalidParameterError(
                f"The 'kind' parameter must be one of {', '.join(TABLE_KINDS)}. Got {kind!r} instead."
            )
        sets, params = [], []
        if columns is not None:
            if [c.name for c in columns] != [c.name for c in info.columns]:
                raise InvalidParameterError(f"The columns given do not match table {name!r}.")
            sets.append("columns = ?")
            params.append(json.dumps([c.to_dict() for c in columns]))
        if kind is not None:
            sets.append("kind = ?")
            params.append(kind)
        if quality is not None:
            sets.append("quality = ?")
            params.append(json.dumps(quality, default=str))
        if sets:
            with self.transaction() as cur:
                cur.execute(
                    f"UPDATE {META}.tables SET {', '.join(sets)} WHERE name = ?", [*params, name]
                )
        return self.table(name)


_INBOX_PREFIX = ".segment-inbox-"
MEMORY_SHARE = 0.4  # of the machine's memory, for DuckDB (see Workspace._set_memory_limit)


def _remove_stale_inboxes(folder: Path) -> None:
    """Remove the inboxes in ``folder`` of processes that died without closing their workspace
    (a killed app or command may leave a copied or unzipped file behind). Only our own folders
    are touched: named ``.segment-inbox-<pid>-...``, owned by this user, the process gone."""
    for inbox in folder.glob(f"{_INBOX_PREFIX}*-*"):
        pid = inbox.name[len(_INBOX_PREFIX) :].split("-", 1)[0]
        try:
            if not pid.isdigit() or inbox.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)  # raises when no such process
        except ProcessLookupError:
            shutil.rmtree(inbox, ignore_errors=True)
        except OSError:  # alive under another user, or the folder went meanwhile
            continue


_REGISTRY: dict[Path, Workspace] = {}
_REGISTRY_LOCK = threading.Lock()


def default_workspace_path() -> Path:
    """``$SEGMENT_WORKSPACE`` if set, else ``./workspace.duckdb``."""
    return Path(os.environ.get("SEGMENT_WORKSPACE") or DEFAULT_WORKSPACE)


def open_workspace(path: str | os.PathLike[str] | None = None) -> Workspace:
    """Open (or create) a workspace; one shared connection per file and process.

    >>> ws = open_workspace("/tmp/doc-example.duckdb")  # doctest: +SKIP
    """
    resolved = Path(path if path is not None else default_workspace_path()).expanduser().resolve()
    with _REGISTRY_LOCK:
        ws = _REGISTRY.get(resolved)
        if ws is None:
            ws = _REGISTRY[resolved] = Workspace(resolved)
        return ws
