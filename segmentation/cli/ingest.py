"""`segment ingest`, `tables`, `demo`, `sample`, `rename-table`, `drop-table`: the workspace's tables."""

from __future__ import annotations

import argparse
from typing import Any

from . import common


def add_commands(sub, shared=common) -> None:
    p = sub.add_parser("ingest", help="load a file (CSV/TSV/TXT, Excel, Parquet, JSON)")
    p.add_argument("file", help="the file to load")
    p.add_argument("--table", help="table name (default: made from the file name)")
    p.add_argument("--replace", action="store_true", help="replace a table of the same name")
    p.add_argument(
        "--delimiter", help="comma, semicolon, tab, pipe or whitespace (default: detect)"
    )
    p.add_argument("--encoding", help="utf-8, cp1252, latin-1 or utf-16 (default: detect)")
    p.add_argument(
        "--date-format", help="strptime format of dates, e.g. %%d/%%m/%%Y (default: detect)"
    )
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("tables", help="list the workspace's tables")
    p.set_defaults(run=cmd_tables)

    p = sub.add_parser("demo", help="load the bundled sample data")
    p.add_argument("--if-empty", action="store_true", help="only when the workspace has no table")
    p.set_defaults(run=cmd_demo)

    p = sub.add_parser("sample", help="write a synthetic dataset with planted behaviours")
    p.add_argument("--customers", type=int, default=3000, help="number of customers (default 3000)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the CSV files to")
    p.set_defaults(run=cmd_sample)

    p = sub.add_parser("rename-table", help="rename a table")
    p.add_argument("old")
    p.add_argument("new")
    p.set_defaults(run=cmd_rename_table)

    p = sub.add_parser("drop-table", help="delete a table")
    p.add_argument("name")
    p.set_defaults(run=cmd_drop_table)


def table_summary(info) -> dict[str, Any]:
    d = info.to_dict()
    d["roles"] = info.roles
    return d


def cmd_ingest(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..ingest.load import ingest_file

    info = ingest_file(
        common.workspace(args),
        args.file,
        table=args.table,
        replace=args.replace,
        delimiter=args.delimiter,
        encoding=args.encoding,
        date_format=args.date_format,
        progress=common.progress(args),
    )
    data = {
        "table": info.name,
        "rows": info.rows,
        "kind": info.kind,
        "columns": [c.to_dict() for c in info.columns],
        "quality": info.quality,
        "warnings": info.warnings,
    }
    lines = [f"Loaded {info.rows:,} rows into table {info.name!r} ({info.kind})."]
    width = max([30, *(len(c.name) for c in info.columns)])
    lines += [f"  {c.name:<{width}} {c.type:<10} {c.role}" for c in info.columns]
    lines += [f"warning: {w}" for w in [*info.warnings, *info.quality.get("notes", [])]]
    return data, "\n".join(lines)


def cmd_tables(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    tables = common.workspace(args).tables()
    data = {"tables": [table_summary(t) for t in tables]}
    if not tables:
        return data, "The workspace has no tables yet. Load one with `segment ingest FILE`."
    lines = [f"{'table':<32} {'kind':<13} {'rows':>12}  source"]
    lines += [f"{t.name:<32} {t.kind:<13} {t.rows:>12,}  {t.source_file or ''}" for t in tables]
    return data, "\n".join(lines)


def cmd_demo(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..demo.sample import load_demo

    ws = common.workspace(args)
    loaded = load_demo(ws, if_empty=args.if_empty, progress=common.progress(args))
    data = {"loaded": [table_summary(t) for t in loaded], "workspace": str(ws.path)}
    if not loaded:
        return data, f"The workspace {ws.path} already has tables; nothing loaded."
    text = "\n".join(f"Loaded sample table {t.name!r}: {t.rows:,} rows ({t.kind})." for t in loaded)
    return data, text


def cmd_sample(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..demo.sample import write_sample

    paths = write_sample(args.out, customers=args.customers, seed=args.seed)
    data = {"files": {k: str(v) for k, v in paths.items()}, "customers": args.customers}
    return data, "\n".join(f"Wrote {p}" for p in paths.values())


def cmd_rename_table(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    common.workspace(args).rename_table(args.old, args.new)
    return {"renamed": args.old, "to": args.new}, f"Renamed {args.old!r} to {args.new!r}."


def cmd_drop_table(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    common.workspace(args).drop_table(args.name)
    return {"dropped": args.name}, f"Deleted table {args.name!r}."
