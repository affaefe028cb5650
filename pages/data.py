"""Data: load files into the workspace; check each table's columns, roles and quality."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages import common
from segmentation.errors import SegmentationError
from segmentation.ingest.load import MAX_UPLOAD_MB, ingest_upload, update_roles
from segmentation.ingest.roles import ROLES
from segmentation.readable import shown
from segmentation.workspace import TABLE_KINDS, TableInfo
from segmentation.workspace.types import type_words

FILE_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet", "json", "jsonl", "gz"]
DELIMITERS = ["Detect", "comma", "semicolon", "tab", "pipe", "whitespace"]
ENCODINGS = ["Detect", "utf-8", "cp1252", "latin-1", "utf-16"]
DELIMITER_WORDS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

ws = common.workspace()
state = st.session_state
state.setdefault("data_upload_round", 0)  # a new round empties the uploader after a load
state.setdefault("data_outcomes", [])


def load_files(files: list, options: dict) -> list[tuple[str, str]]:
    """Load each uploaded file; one file's failure does not stop the others."""
    outcomes = []
    for upload in files:
        bar = st.progress(0.0, text=f"{upload.name}: starting")

        def report(fraction: float, message: str, bar=bar) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        try:
            info = ingest_upload(ws, upload, upload.name, progress=report, **options)
        except SegmentationError as exc:
            text = common.app_words(str(exc))
            outcomes.append(
                ("error", text if text.startswith(upload.name) else f"{upload.name}: {text}")
            )
        else:
            loaded = f"loaded {info.rows:,} rows into **{info.name}** ({info.kind})"
            outcomes.append(("success", f"{upload.name}: {loaded}."))
            notes = [*info.warnings, *info.quality.get("notes", [])]
            outcomes += [("warning", f"{info.name}: {w}") for w in notes]
            state["data_pick"] = info.name
        bar.empty()
    return outcomes


def show_source(info: TableInfo) -> None:
    opts = info.options
    delimiter = opts.get("delimiter")
    dates = ", ".join(f"{col} as {fmt}" for col, fmt in opts.get("date_formats", {}).items())
    parts = [
        f"From **{info.source_file or 'an unknown file'}**",
        info.loaded_at and f"loaded {info.loaded_at:%Y-%m-%d %H:%M}",
        opts.get("format") and f"format {opts['format']}",
        delimiter and f"delimiter {DELIMITER_WORDS.get(delimiter, delimiter)}",
        opts.get("encoding") and f"encoding {opts['encoding']}",
        {True: "with header", False: "no header row"}.get(opts.get("header")),
        dates and f"dates read: {dates}",
    ]
    st.caption(" · ".join(part for part in parts if part))


def show_roles(info: TableInfo) -> None:
    st.write("Roles tell the studio what each column means. Each role goes to one column at most.")
    kind = st.selectbox(
        "Kind",
        TABLE_KINDS,
        index=TABLE_KINDS.index(info.kind),
        key=f"data_kind_{info.name}",
        width=320,
    )
    edited = st.data_editor(
        pd.DataFrame([c.to_dict() | {"type": type_words(c.type)} for c in info.columns]),
        key=f"data_roles_{info.name}",
        hide_index=True,
        disabled=["name", "type"],
        column_config={
            "name": st.column_config.TextColumn("Column"),
            "type": st.column_config.TextColumn("Type"),
            "role": st.column_config.SelectboxColumn("Role", options=ROLES, required=True),
        },
    )
    if st.button("Save roles", key=f"data_save_{info.name}"):
        try:
            update_roles(
                ws, info.name, dict(zip(edited["name"], edited["role"], strict=True)), kind
            )
        except SegmentationError as exc:
            common.error(exc)
        else:
            state["data_flash"] = [("success", f"Saved the roles and kind of {info.name}.")]
            st.rerun()


def show_quality(info: TableInfo) -> None:
    q = info.quality
    amounts, quantities = q.get("negative_amounts"), q.get("negative_quantities")
    returns = [n for n in (amounts, quantities) if n is not None]
    negatives = "; ".join(
        f"no {one} column" if n is None else f"{n:,} negative {many}"
        for one, many, n in (("amount", "amounts", amounts), ("quantity", "quantities", quantities))
    )
    metrics = {
        "Rows": (q.get("rows"), None),
        "Columns": (q.get("columns"), None),
        "Duplicate rows": (q.get("duplicate_rows"), "Rows identical to an earlier row."),
        "Rows without customer id": (
            q.get("rows_without_customer_id"),
            "— means no column has the customer_id role.",
        ),
        "Returns": (max(returns) if returns else None, f"Returns or cancellations: {negatives}."),
        "Unparseable dates": (q.get("unparseable_dates"), "Left empty in the table."),
        "Future dates": (q.get("future_dates"), "Dates after today."),
        "Outlier values": (q.get("outlier_values"), "Far outside their column's usual range."),
    }
    cells = [*st.columns(4), *st.columns(4)]
    for cell, (label, (value, note)) in zip(cells, metrics.items(), strict=True):
        cell.metric(label, "—" if value is None else f"{value:,}", help=note, border=True)

    def count(label: str):
        return st.column_config.NumberColumn(label, format="localized")

    st.dataframe(
        [c | {"type": type_words(c["type"])} for c in q.get("per_column", [])],
        hide_index=True,
        column_config={
            "name": "Column",
            "type": "Type",
            "role": "Role",
            "missing": count("Missing"),
            "missing_pct": st.column_config.NumberColumn("Missing %", format="%.1f%%"),
            "distinct": count("Distinct (approx.)"),
            "unparseable": count("Unparseable"),
            "outliers": count("Outliers"),
        },
    )
    for label, key in (
        ("Constant columns", "constant_columns"),
        ("Empty columns", "empty_columns"),
    ):
        if q.get(key):
            st.caption(f"{label}: {', '.join(q[key])}")
    for warning in [*info.warnings, *q.get("notes", [])]:
        st.warning(warning)


def show_manage(info: TableInfo) -> None:
    new_name = st.text_input(
        "New name", value=info.name, key=f"data_new_name_{info.name}", width=420
    )
    if st.button("Rename", key=f"data_rename_{info.name}"):
        new_name = new_name.strip()
        if new_name == info.name:
            st.info("Type a new name first.")
        else:
            try:
                ws.rename_table(info.name, new_name)
            except SegmentationError as exc:
                common.error(exc)
            else:
                state["data_pick"] = new_name
                state["data_flash"] = [("success", f"Renamed {info.name} to {new_name}.")]
                st.rerun()
    st.divider()
    sure = st.checkbox(f"Yes, delete {info.name} and its data", key=f"data_sure_{info.name}")
    if st.button("Delete table", key=f"data_delete_{info.name}", disabled=not sure):
        try:
            ws.drop_table(info.name)
        except SegmentationError as exc:
            common.error(exc)
        else:
            state["data_flash"] = [("success", f"Deleted {info.name}.")]
            st.rerun()


st.title("Data")
common.show_messages(state.pop("data_flash", []))
files = st.file_uploader(
    "Upload customer or transaction files",
    type=FILE_TYPES,
    accept_multiple_files=True,
    key=f"data_upload_{state['data_upload_round']}",
    help=f"CSV, TSV, TXT, Excel, Parquet or JSON, gzipped or not; up to {MAX_UPLOAD_MB:,} MB each.",
)
with st.expander("Reading options"):
    left, middle, right = st.columns(3)
    delimiter = left.selectbox("Delimiter", DELIMITERS, key="data_delimiter")
    encoding = middle.selectbox("Encoding", ENCODINGS, key="data_encoding")
    date_format = right.text_input(
        "Date format", key="data_date_format", placeholder="%d/%m/%Y", help="Empty: detect."
    )
    table_name = st.text_input(
        "Table name",
        key="data_table_name",
        disabled=len(files) > 1,
        width=420,
        help="For a single file. Empty: made from the file name.",
    )
    replace = st.checkbox("Replace a table with the same name", key="data_replace")
if st.button("Load", type="primary", disabled=not files):
    options = {
        "delimiter": None if delimiter == "Detect" else delimiter,
        "encoding": None if encoding == "Detect" else encoding,
        "date_format": date_format.strip() or None,
        "table": (table_name.strip() or None) if len(files) == 1 else None,
        "replace": replace,
    }
    state["data_outcomes"] = load_files(files, options)
    state["data_upload_round"] += 1
    st.rerun()
common.show_messages(state["data_outcomes"])

st.divider()
tables = ws.tables()
if not tables:
    st.info(
        "The workspace has no tables yet. Upload a file above and press **Load**, or load the "
        "sample data from the **Home** page."
    )
else:
    names = [t.name for t in tables]
    if "data_pick" in state:
        state["data_table"] = state.pop("data_pick")
    if state.get("data_table") not in names:  # the table the next step (Features) needs
        state["data_table"] = common.next_table(tables, ("transactions",))
    picked = st.selectbox("Table", names, key="data_table", width=420)
    chosen = next(t for t in tables if t.name == picked)
    show_source(chosen)
    preview, columns, quality, manage = st.tabs(
        ["Preview", "Columns and roles", "Quality", "Rename or delete"]
    )
    with preview:
        st.dataframe(shown(ws.preview(chosen.name, limit=100)), hide_index=True)
        st.caption(f"The first rows of {chosen.rows:,}.")
    with columns:
        show_roles(chosen)
    with quality:
        show_quality(chosen)
    with manage:
        show_manage(chosen)
