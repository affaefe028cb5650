"""Apache Spark: a session, and the order lines or features read the way the workspace reads them.

``pyspark`` is the optional extra ``spark`` (``pip install 'segmentation-studio[spark]'``); a
local session needs Java 17 (Debian: ``apt-get install default-jre-headless``). A session is
local (``local[2]`` by default), any cluster (``master="spark://..."``, ``"yarn"``), or a
Spark Connect server (``remote="sc://host:15002"``, which needs no Java here).

Sources are a Parquet or CSV path or glob (any URI Spark reads: ``s3a://``, ``abfss://``,
``dbfs:/``) or a table of the Spark catalog. The lines must be of the same shape as a workspace
table (the roles table): its role columns, of the same kinds. Each is read as the workspace
holds it: text trimmed with '' as missing, a customer id ``17850.0`` as ``17850``, numbers and
ISO dates parsed from CSV text.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import InvalidParameterError, SegmentationError
from ..workspace import TableInfo

DEFAULT_MASTER = "local[2]"
FORMATS = ("parquet", "csv")
_FEATURE_ROLES = (
    "customer_id", "timestamp", "amount", "quantity", "unit_price",
    "order_id", "product", "category", "country",
)  # fmt: skip
_INTEGER = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "USMALLINT")
_WHOLE_FLOAT = r"^([+-]?\d+)\.0+$"  # as ingest reads an id written 17850.0
_INSTALL = (
    "Install Java 17 (Debian: `apt-get install default-jre-headless`) and the extra "
    "(`pip install 'segmentation-studio[spark]'`), or give --remote sc://HOST:15002 to use a "
    "Spark Connect server."
)


class SparkUnavailableError(SegmentationError, OSError):
    """Spark cannot start here (no pyspark, no Java, or the master does not answer)."""


class SourceNotFoundError(SegmentationError, FileNotFoundError):
    """The path or table given as a source does not exist."""


class SparkJobError(SegmentationError, RuntimeError):
    """A Spark job failed (on the executors, or writing its output); nothing was written."""


# -- the session -------------------------------------------------------------------------------
def java_problem() -> str | None:
    """Why a local Spark cannot start its Java here, or None when Java is found."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = Path(home) / "bin" / "java"
        if not os.access(java, os.X_OK):
            return f"JAVA_HOME is {home!r}, which has no bin/java."
        return None
    if shutil.which("java") is None:
        return "No Java was found (JAVA_HOME is not set and `java` is not on the PATH)."
    return None


def start_session(*, master: str | None = None, remote: str | None = None) -> Any:
    """A SparkSession: local ``local[2]`` by default, ``master`` for a cluster, ``remote`` for
    Spark Connect. Local sessions bind to 127.0.0.1 and run without the web UI.

    >>> spark = start_session()  # doctest: +SKIP
    >>> spark.version  # doctest: +SKIP
    '4.0.1'
    """
    if master and remote:
        raise InvalidParameterError(
            f"Give --master or --remote, not both. Got master {master!r} and remote {remote!r}."
        )
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:
        raise SparkUnavailableError(f"pyspark is not installed. {_INSTALL}") from e
    builder = SparkSession.builder.appName("segmentation-studio")
    if remote:
        builder = builder.remote(remote)
    else:
        problem = java_problem()
        if problem:
            raise SparkUnavailableError(f"Spark cannot start: {problem} {_INSTALL}")
        master = master or DEFAULT_MASTER
        builder = builder.master(master).config("spark.ui.enabled", "false")
        builder = builder.config("spark.ui.showConsoleProgress", "false")
        if master.startswith("local"):
            for key in ("spark.driver.bindAddress", "spark.driver.host"):
                builder = builder.config(key, "127.0.0.1")
            builder = builder.config("spark.sql.shuffle.partitions", "4")
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers see the venv
    try:
        spark = builder.getOrCreate()
        spark.conf.set("spark.sql.session.timeZone", "UTC")  # dates as the workspace sees them
    except Exception as e:  # pyspark's own errors: a gateway that exited, a refused connection
        where = remote or master
        raise SparkUnavailableError(
            f"Spark did not start ({where}): {str(e).splitlines()[0][:300]} {_INSTALL}"
        ) from e
    if not remote:
        spark.sparkContext.setLogLevel("ERROR")
    return spark


@contextmanager
def session(spark: Any = None, *, master: str | None = None, remote: str | None = None):
    """``spark``, else the active session (a notebook's, Databricks'), else a new one that is
    stopped at the end."""
    if spark is None and not (master or remote):
        try:
            from pyspark.sql import SparkSession

            spark = SparkSession.getActiveSession()
        except ImportError:
            spark = None
    if spark is not None:
        yield spark
        return
    started = start_session(master=master, remote=remote)
    try:
        yield started
    finally:
        started.stop()


def engine_name(spark: Any) -> str:
    """``spark 4.0.1 local[2]``: the engine, its version and where it ran."""
    try:
        where = spark.sparkContext.master
    except Exception:  # Spark Connect has no SparkContext
        where = "connect"
    return f"spark {spark.version} {where}"


# -- sources -----------------------------------------------------------------------------------
def is_path(source: str) -> bool:
    """Whether ``source`` names files (a path, glob or URI) rather than a catalog table."""
    return any(ch in source for ch in "/\\*?") or source.lower().endswith(
        (".csv", ".txt", ".parquet", ".pq")
    )


def check_source(source: str) -> None:
    """A local path or glob must match something; nothing is checked for URIs and tables."""
    if not isinstance(source, str) or not source.strip():
        raise InvalidParameterError(
            f"The source must be a path, a glob or a Spark table name. Got {source!r} instead."
        )
    if not is_path(source) or "://" in source.replace("file://", ""):
        return
    local = source.removeprefix("file://")
    if not glob.glob(local):
        raise SourceNotFoundError(
            f"No file or folder matches the source {source!r}. Check the path (a glob such as "
            "'orders/*.parquet' is fine), or give a table of the Spark catalog."
        )


def source_format(source: str, fmt: str | None) -> str:
    """``fmt`` checked, or the format the path's suffix says (Parquet for a folder)."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise InvalidParameterError(
                f"The 'format' parameter must be one of 'parquet', 'csv'. Got {fmt!r} instead."
            )
        return fmt
    return "csv" if source.lower().rstrip("/").endswith((".csv", ".txt", ".csv.gz")) else "parquet"


def read_source(spark: Any, source: str, fmt: str | None, info: TableInfo | None = None) -> Any:
    """A DataFrame of ``source``: files (Parquet, or CSV read as text) or a catalog table.

    A CSV file is read with the delimiter, header and encoding ingest found for ``info``.
    """
    check_source(source)
    try:
        if not is_path(source):
            return spark.table(source)
        if source_format(source, fmt) == "parquet":
            return spark.read.parquet(source)
        opts = (info.options if info else {}) or {}
        delimiter = opts.get("delimiter") or ","
        reader = spark.read.option("header", bool(opts.get("header", True)))
        reader = reader.option("sep", "\t" if delimiter == "tab" else delimiter)
        return reader.option("encoding", opts.get("encoding") or "utf-8").csv(source)
    except Exception as e:
        if isinstance(e, SegmentationError):
            raise
        text = str(e)
        if "NOT_FOUND" not in text:
            raise SparkJobError(
                f"Spark cannot read {source!r}: {text.splitlines()[0][:200]}. Check the format "
                "(--format parquet|csv) and the file's column types."
            ) from e
        what = "table" if not is_path(source) else "source"
        raise SourceNotFoundError(
            f"Spark finds no {what} {source!r}: {text.splitlines()[0][:200]}. Check the path "
            "or the table name."
        ) from e


def lines_frame(df: Any, info: TableInfo) -> tuple[Any, dict[str, str]]:
    """The role columns of ``df`` as the workspace table ``info`` holds them, and the roles.

    Raises an error naming each role column that is missing or of another kind.
    """
    from pyspark.sql import functions as F

    roles = {r: c for r, c in info.roles.items() if r in _FEATURE_ROLES}
    types = {c.name: c.type.upper() for c in info.columns}
    spark_types = dict(df.dtypes)
    problems, fields = [], []
    for role, name in roles.items():
        kind = _kind(types[name])
        have = spark_types.get(name)
        if have is None:
            problems.append(f"column {name!r} (role {role}) is missing")
            continue
        have_kind = _spark_kind(have)
        if have_kind not in (kind, "text"):
            problems.append(f"column {name!r} (role {role}) is {have}, not {kind}")
            continue
        if kind == "date" and have_kind == "text" and not _iso(info, name):
            problems.append(
                f"column {name!r} (role {role}) holds dates written "
                f"{info.options.get('date_formats', {}).get(name)!r}; Spark reads ISO dates "
                "(2024-01-31 12:00) from text: write the lines as Parquet"
            )
            continue
        fields.append(_as_workspace(F, name, kind, types[name], have_kind, role))
    if problems:
        shown = ", ".join(sorted(spark_types)[:20])
        raise InvalidParameterError(
            f"The source is not of the shape of table {info.name!r}: "
            + "; ".join(problems)
            + f". The source has the columns {shown}. Give --roles-from a workspace table "
            "with the same columns, or rename the source's columns."
        )
    return df.select(*fields), roles


def _as_workspace(F, name: str, kind: str, duck_type: str, have_kind: str, role: str):
    quoted = "`" + name.replace("`", "``") + "`"
    col = F.col(quoted)
    if kind == "number":
        target = "bigint" if duck_type in _INTEGER else "double"
        out = F.expr(f"try_cast({quoted} AS {target})") if have_kind == "text" else col.cast(target)
    elif kind == "date":
        out = F.expr(f"try_cast({quoted} AS timestamp)") if have_kind == "text" else col
    else:
        out = F.nullif(F.trim(col.cast("string")), F.lit(""))
        if role == "customer_id":
            out = F.regexp_replace(out, _WHOLE_FLOAT, "$1")
    return out.alias(name)


def _kind(duck_type: str) -> str:
    t = duck_type.upper()
    if t in _INTEGER or t in ("DOUBLE", "FLOAT", "REAL", "HUGEINT") or t.startswith("DECIMAL"):
        return "number"
    if t == "DATE" or t.startswith("TIMESTAMP"):
        return "date"
    return "text"


def _spark_kind(spark_type: str) -> str:
    t = spark_type.lower()
    if t in ("string",) or t.startswith(("varchar", "char")):
        return "text"
    if t in ("date",) or t.startswith("timestamp"):
        return "date"
    if t in ("tinyint", "smallint", "int", "bigint", "float", "double") or t.startswith("decimal"):
        return "number"
    return t


def _iso(info: TableInfo, name: str) -> bool:
    label = (info.options.get("date_formats") or {}).get(name)
    return label in (None, "ISO 8601")


# -- outputs -----------------------------------------------------------------------------------
def check_out(out: str) -> None:
    """A local output path must not exist yet (nothing is overwritten)."""
    if not isinstance(out, str) or not out.strip():
        raise InvalidParameterError(f"The 'out' parameter must be a path. Got {out!r} instead.")
    if "://" not in out.replace("file://", "") and Path(out.removeprefix("file://")).exists():
        raise InvalidParameterError(
            f"The output {out!r} exists already; give a new path or remove it first."
        )


def write_frame(df: Any, out: str, fmt: str = "parquet") -> None:
    """Write ``df`` to ``out`` whole or not at all: locally into a hidden sibling folder that
    is renamed when complete; elsewhere Spark's own commit protocol does the same."""
    if fmt not in FORMATS:
        raise InvalidParameterError(
            f"The 'format' parameter must be one of 'parquet', 'csv'. Got {fmt!r} instead."
        )
    if "://" in out.replace("file://", ""):
        _save(df, fmt, "errorifexists", out)
        return
    target = Path(out.removeprefix("file://")).resolve()
    temporary = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        _save(df, fmt, "overwrite", str(temporary))
        temporary.rename(target)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)


def _save(df: Any, fmt: str, mode: str, path: str) -> None:
    """Run the job; its failure (a Java or executor traceback) as one readable error."""
    writer = df.write.format(fmt).mode(mode)
    try:
        (writer.option("header", True) if fmt == "csv" else writer).save(path)
    except Exception as e:
        raise job_error(e) from e


def job_error(exc: Exception) -> SparkJobError:
    """A failed Spark job as one readable error. Spark's text can quote the data, so only its
    error class (``CAST_INVALID_INPUT``...) is shown."""
    found = re.search(r"\[([A-Z][A-Z_]+(?:\.[A-Z_]+)?)\]", str(exc))
    cause = found.group(1) if found else type(exc).__name__
    return SparkJobError(
        f"The Spark job failed ({cause}) and wrote nothing. Check the source's types against "
        "the roles table, or run with --master local[2] to see where it fails."
    )
