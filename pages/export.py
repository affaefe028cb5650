"""Export: targeting lists per segment or saved audience, ad-platform files, holdouts, the log."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from pages import common
from pages.common import pick_run
from segmentation.charts import export as charts
from segmentation.errors import SegmentationError
from segmentation.export import files as exportfiles
from segmentation.export import formats
from segmentation.export import log as exportlog
from segmentation.export import plan as audiences
from segmentation.export.audiences import list_audiences
from segmentation.predict.store import list_predictions
from segmentation.readable import empty_columns
from segmentation.recommend.store import list_sets

ws = common.workspace()
state = st.session_state
AUTOMATIC = "(automatic)"
KEPT = {  # kept when the user visits another page and comes back
    "export_format": "csv", "export_contacts": AUTOMATIC, "export_min_size": formats.DEFAULT_MIN_SIZE,
    "export_holdout": 0, "export_seed": 0, "export_base_rate": 2.0, "export_country": "",
}  # fmt: skip
common.keep(KEPT)
LABELS = {
    "segment_id": "id", "segment": "segment", "selected": "chosen", "suppressed": "suppressed",
    "dropped_invalid": "no valid id", "rows": "to export", "holdout_rows": "holdout",
    "valid_email_pct": "valid e-mail", "valid_phone_pct": "valid phone",
    "duplicate_emails": "repeated e-mails", "duplicate_phones": "repeated phones",
    "small": "under minimum", "mde": "MDE (pct. points)", "mde_relative": "MDE (relative)",
}  # fmt: skip


def choose(run) -> dict:
    """The export's options from the widgets (keys prefixed ``export_``)."""
    labels = {s.segment_id: f"{s.segment_id} · {s.name} ({s.size:,})" for s in run.segments}
    left, right = st.columns(2)
    segments = left.multiselect(
        "Segments",
        list(labels),
        list(labels),
        format_func=labels.get,
        key=f"export_seg_{run.run_id}",
    )
    saved = [a.name for a in list_audiences(ws, run.run_id)]
    picked = right.multiselect(
        "Saved audiences",
        saved,
        key=f"export_aud_{run.run_id}",
        disabled=not saved,
        help="Custom audiences saved on the Explore page; exported together with the segments.",
    )
    left, middle, right = st.columns(3)
    fmt = left.selectbox(
        "Format",
        list(formats.FORMATS),
        format_func=formats.FORMATS.get,
        key="export_format",
    )
    tables = [t.name for t in ws.tables(kind="customers")]
    if state["export_contacts"] not in tables:
        state["export_contacts"] = AUTOMATIC
    contacts = middle.selectbox("Contact table", [AUTOMATIC, *tables], key="export_contacts")
    contacts = None if contacts == AUTOMATIC else contacts
    min_size = right.number_input("Minimum list size", 1, 10**7, key="export_min_size")
    try:
        found = audiences.column_choices(ws, run.run_id, contacts)
    except SegmentationError as exc:
        common.error(exc)
        st.stop()
    hashed = fmt in formats.HASHED
    columns = st.multiselect(
        "Columns after customer_id, segment_id, segment",
        found["contact_fields"] + found["features"],
        key="export_columns",
        disabled=hashed,
        help="Hashed formats have the platform's own columns.",
    )
    predictions = {p["prediction_id"]: p["name"] for p in list_predictions(ws)}
    prediction = st.selectbox(
        "Predicted value from", [None, *predictions], key="export_prediction",
        format_func=lambda i: "No prediction" if i is None else f"{i}: {predictions[i]}",
        help="Adds each customer's predicted value (predicted_clv); Meta's value comes from it.",
    )  # fmt: skip
    sets = {} if hashed else {s.recommendation_id: s for s in list_sets(ws, run.run_id)}
    offer = st.selectbox(
        "Add recommendations (rec_1, rec_2, ...)",
        [None, *sets],
        format_func=lambda i: "No" if i is None else f"{i}: {sets[i].name} (top {sets[i].top})",
        key=f"export_recs_{run.run_id}",
        disabled=not sets,
        help="Each customer's next best products from a set made on the Recommend page.",
    )
    value = None
    if fmt == "meta" and found["numeric"] and prediction is None:
        numeric = found["numeric"]
        value = st.selectbox(
            "Value column (Meta value-based lookalikes)",
            numeric,
            index=numeric.index("monetary") if "monetary" in numeric else 0,
            key="export_value",
        )
    left, middle, right = st.columns(3)
    holdout = left.number_input("Holdout (% of each segment)", 0, 50, key="export_holdout")
    seed = middle.number_input("Holdout seed", 0, 2**31 - 1, key="export_seed")
    rate = right.number_input(
        "Expected conversion rate (%)", 0.1, 99.0, step=0.1, key="export_base_rate"
    )
    if holdout:
        left.caption("The holdout is written as a second file beside the list (not exported).")
    left, right = st.columns(2)
    country = left.text_input(
        "Default country for phones", key="export_country", placeholder="e.g. GB or US",
        help="For phone numbers written without a country code, when the customer's country "
        "is unknown.",
    )  # fmt: skip
    upload = right.file_uploader(
        "Suppression list (customer ids or e-mails)", type=["csv", "txt"], key="export_suppress"
    )
    suppression = audiences.read_suppression(upload.getvalue(), upload.name) if upload else None
    return {
        "fmt": fmt, "segments": segments, "audiences": tuple(picked),
        "columns": () if hashed else tuple(columns), "contacts": contacts,
        "holdout": holdout / 100 or None, "seed": int(seed), "suppression": suppression,
        "default_country": country.strip() or None, "min_size": int(min_size),
        "value_column": value, "base_rate": rate / 100, "recommendations": offer,
        "prediction": prediction,
    }  # fmt: skip


def show_plan(plan: audiences.ExportPlan) -> None:
    cells = st.columns(5)
    cells[0].metric("Customers to export", f"{plan.rows:,}", border=True)
    cells[1].metric("Holdout", f"{plan.holdout_rows:,}", border=True)
    cells[2].metric("Suppressed", f"{plan.suppressed:,}", border=True)
    cells[3].metric("No valid identifier", f"{plan.dropped_invalid:,}", border=True)
    cells[4].metric("In more than one choice", f"{plan.overlap:,}", border=True)
    report = plan.segments
    if plan.small:
        names = dict(zip(report["segment_id"], report["segment"], strict=True))
        small = common.words_list([f"{names.get(s, s)}" for s in plan.small])
        verb = "has" if len(plan.small) == 1 else "have"
        st.warning(
            f"{small} {verb} fewer than {plan.options.min_size:,} customers to export. Ad "
            "platforms refuse or do not serve lists this small."
        )
    for note in plan.notes:
        st.caption(note)
    if plan.contacts is None:
        st.caption("No contact table: load a customer table with e-mails or phones for readiness.")
    else:
        st.caption(f"Contact fields from table `{plan.contacts}`.")
    empty = set(empty_columns(report))  # e.g. readiness without a contact table: not "None"s
    shown = [c for c in LABELS if (plan.holdout_rows or not c.startswith("mde")) and c not in empty]
    config = {c: st.column_config.NumberColumn(label) for c, label in LABELS.items()}
    config.update(
        valid_email_pct=st.column_config.NumberColumn(LABELS["valid_email_pct"], format="%.1f%%"),
        valid_phone_pct=st.column_config.NumberColumn(LABELS["valid_phone_pct"], format="%.1f%%"),
        mde=st.column_config.NumberColumn(LABELS["mde"], format="percent"),
        mde_relative=st.column_config.NumberColumn(LABELS["mde_relative"], format="percent"),
        segment=st.column_config.TextColumn("segment"),
        small=st.column_config.CheckboxColumn(LABELS["small"]),
    )
    st.dataframe(report, hide_index=True, column_order=shown, column_config=config)
    left, right = st.columns(2)
    if plan.contacts is not None:
        left.plotly_chart(charts.readiness(report), key="export_ready_fig")
    right.plotly_chart(charts.list_sizes(report, plan.options.min_size), key="export_size_fig")
    if plan.holdout_rows:
        rate, mde = plan.options.base_rate, plan.mde()
        st.info(
            f"With {plan.rows:,} customers targeted and {plan.holdout_rows:,} held out, a lift of "
            f"{mde * 100:.2f} percentage points in conversion rate (from {rate:.1%} to "
            f"{rate + mde:.1%}) can be detected with 80% power at 5% significance (two-sided). "
            "Per segment: the MDE columns."
        )


st.title("Export")
run = pick_run(
    ws,
    "export_run",
    "Run a segmentation on the Segment page first: its segments are exported here.",
)
try:
    options = choose(run)
    plan = audiences.plan_export(ws, run.run_id, readiness=True, **options)
except SegmentationError as exc:
    common.error(exc)
    st.stop()
show_plan(plan)
chosen = repr(options)  # a download is offered only for the choices it was made with
if st.button("Export", type="primary", key="export_go", disabled=not plan.rows):
    with tempfile.TemporaryDirectory() as folder, st.spinner("Writing files"):
        out = Path(folder) / exportfiles.file_name(run.run_id, options["fmt"])
        try:
            result = audiences.export_audience(ws, run.run_id, out, location="download", **options)
            files = exportfiles.download_files(result)
            state["export_download"] = (run.run_id, chosen, result.export_id, files)
        except SegmentationError as exc:
            common.error(exc)
ready = state.get("export_download")
if ready and ready[:2] == (run.run_id, chosen):
    st.success(f"Export {ready[2]} is recorded in the log below.")
    for role, name, data, mime in ready[3]:
        st.download_button(
            f"Download {name}" + (" (the holdout: do not target)" if role == "holdout" else ""),
            data, file_name=name, mime=mime, key=f"export_file_{role}", on_click="ignore",
        )  # fmt: skip
elif ready and ready[0] == run.run_id:
    st.caption("The choices changed since the last export: export again for a file to download.")
st.subheader("Export log")
log = exportlog.exports_frame(ws)
if log.empty:
    st.caption("No exports yet.")
else:
    st.dataframe(log, hide_index=True)
