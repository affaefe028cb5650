"""Home: what is loaded, and what to do next."""

from __future__ import annotations

import streamlit as st

from pages import common

ws = common.workspace()
tables = ws.tables()

st.title("Segmentation studio")
st.write(
    "Turn a customer or transaction file into customer segments you can understand, name "
    "and use. Everything stays in one workspace file on this machine."
)

if not tables:
    st.info(
        "Nothing is loaded yet. Open the **Data** page and upload a customer or transaction "
        "file (CSV, TSV, Excel, Parquet or JSON). To try the studio on sample data, run "
        "`make run` or `segment demo`."
    )
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
st.page_link("pages/data.py", label="Go to the Data page", icon=":material/arrow_forward:")
