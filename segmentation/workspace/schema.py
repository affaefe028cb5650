"""The workspace's own bookkeeping: the ``_seg`` schema, its tables and its version.

``SCHEMA_VERSION`` is stored in ``_seg.schema_version``; a workspace written by a later version
than this code knows is refused with a clear message instead of being misread.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..errors import WorkspaceError

META = "_seg"  # schema of the workspace's own bookkeeping tables
SCHEMA_VERSION = 2  # 1: before the version was recorded (every workspace up to the house move)

CORE_SQL = f"""
CREATE SCHEMA IF NOT EXISTS {META};
CREATE TABLE IF NOT EXISTS {META}.tables (
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    source_file VARCHAR,
    source_sha256 VARCHAR,
    loaded_at TIMESTAMP NOT NULL,
    columns VARCHAR NOT NULL,
    quality VARCHAR NOT NULL,
    warnings VARCHAR NOT NULL,
    options VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS {META}.runs (
    run_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    table_name VARCHAR NOT NULL,
    algorithm VARCHAR NOT NULL,
    params VARCHAR NOT NULL,
    seed BIGINT NOT NULL,
    customers BIGINT NOT NULL,
    metrics VARCHAR NOT NULL,
    notes VARCHAR NOT NULL,
    recipe VARCHAR NOT NULL,
    model BLOB,
    sample_size BIGINT,
    extra VARCHAR
);
CREATE TABLE IF NOT EXISTS {META}.segments (
    run_id VARCHAR NOT NULL,
    segment_id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    description VARCHAR,
    size BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS {META}.assignments (
    run_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    segment_id INTEGER NOT NULL,
    probability DOUBLE
);
CREATE TABLE IF NOT EXISTS {META}.schema_version (version INTEGER NOT NULL);
"""


def check_version(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Record this code's schema version in a new or older workspace; refuse a newer one.

    Returns the version the workspace had before (1 for workspaces older than the record).
    """
    found = con.execute(f"SELECT max(version) FROM {META}.schema_version").fetchone()[0]
    if found is not None and found > SCHEMA_VERSION:
        raise WorkspaceError(
            f"The workspace {path} was written by a newer version of this tool (schema "
            f"{found}; this one reads up to {SCHEMA_VERSION}). Upgrade the tool, or choose "
            "another workspace with --workspace PATH."
        )
    if found != SCHEMA_VERSION:
        con.execute(f"DELETE FROM {META}.schema_version")
        con.execute(f"INSERT INTO {META}.schema_version VALUES (?)", [SCHEMA_VERSION])
    return 1 if found is None else int(found)
