"""Home: the steps from a file to a campaign list, what is loaded, and the sample data."""

from __future__ import annotations

import streamlit as st

from pages import common
from segmentation.demo.sample import load_demo

ws = common.workspace()
STEPS = [
    ("pages/data.py", "1. Data", "Load a customer or transaction file and check what each column means."),
    ("pages/features.py", "2. Features", "One row per customer: recency, orders, spend and behaviour."),
    ("pages/segment.py", "3. Segment", "Group similar customers; see how many groups the data supports."),
    ("pages/explore.py", "4. Explore", "See the customers on a map, select a group and save it."),
    ("pages/profiles.py", "5. Profiles", "What sets each segment apart, its name and a suggested action."),
    ("pages/export.py", "6. Export", "Lists per segment for e-mail or ad platforms, with a holdout."),
]  # fmt: skip

st.title("Segmentation studio")
st.write(
    "Turn a customer or transaction file into customer segments you can understand, name "
    "and use. Everything stays in one workspace file on this machine."
)
common.show_flash("home")
for page, label, what in STEPS:
    left, right = st.columns([1, 4], vertical_alignment="center")
    left.page_link(page, label=label)
    right.caption(what)

tables = ws.tables()
if not tables:
    st.info(
        "Nothing is loaded yet. Open the **Data** page and upload a customer or transaction "
        "file (CSV, TSV, Excel, Parquet or JSON), or try the studio on the sample data."
    )
    if st.button("Load the sample data", type="primary", key="home_sample"):
        loaded = common.attempt(load_demo, "Loading the sample data", ws=ws)
        if loaded:
            rows = ", ".join(f"**{t.name}** ({t.rows:,} rows)" for t in loaded)
            common.flash("home", f"Loaded {rows}. Next: build features on the Features page.")
            st.rerun()
else:
    st.subheader("Loaded tables")
    st.dataframe(
        [
            {
                "Table": t.name,
                "Kind": t.kind,
                "Rows": t.rows,
                "Columns": len(t.columns),
                "Source": t.source_file,
                "Loaded": t.loaded_at,
            }
            for t in tables
        ],
        hide_index=True,
        column_config={
            "Rows": st.column_config.NumberColumn(format="localized"),
            "Loaded": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )
    st.write(
        "Next: on the **Data** page, check each table's kind and column roles. Segments are "
        "built from the roles: a customer id, an order date and an amount (or quantity and "
        "unit price) for transactions."
    )
