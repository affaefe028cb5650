"""Who was in an export's audience and who in its holdout, as SQL over the workspace.

The holdout is recorded customer by customer (``_seg.export_holdouts``). The audience is
recorded in ``_seg.export_audience`` by exports made since the readout existed; for older
exports it is rebuilt from the run's assignments (the chosen segments and saved audiences, less
the holdout), which differs from the files when customers were suppressed or had no valid
contact: the readout then says so.

>>> sql, params, note = group_sql(ws, get_export(ws, "e1"))  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidParameterError, TableNotFoundError
from ..export.log import ExportRecord, list_exports
from ..workspace import META, Workspace

AUDIENCE, HOLDOUT = "audience", "holdout"
AUDIENCE_TABLE = f"{META}.export_audience"


def get_export(ws: Workspace, export_id: str) -> ExportRecord:
    """One recorded export, or an error naming the ones there are."""
    records = list_exports(ws)
    for record in records:
        if record.export_id == export_id:
            return record
    known = ", ".join(r.export_id for r in records) or "none yet"
    raise TableNotFoundError(
        f"There is no export {export_id!r} in the workspace (exports: {known}). List them with "
        "`segment exports`."
    )


def check_holdout(record: ExportRecord) -> float:
    """The export's planned holdout share, or an error when it kept no holdout."""
    share = record.options.get("holdout")
    if not record.holdout_rows or not share:
        raise InvalidParameterError(
            f"Export {record.export_id} has no holdout, so there is nobody to compare its "
            "audience with. Export again with a holdout (--holdout 0.1, or 'Keep a holdout' on "
            "the Export page), run the campaign, then read it out."
        )
    return float(share)


def _recorded(ws: Workspace, export_id: str) -> bool:
    exists = ws.query(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [META, "export_audience"],
    )[0][0]
    if not exists:
        return False
    sql = f"SELECT count(*) FROM {AUDIENCE_TABLE} WHERE export_id = ?"
    return bool(ws.query(sql + " LIMIT 1", [export_id])[0][0])


def group_sql(ws: Workspace, record: ExportRecord) -> tuple[str, list[Any], str | None]:
    """SELECT ``customer_id, segment_id, grp`` ('audience' or 'holdout') of an export, its
    bound parameters, and a note when the audience had to be rebuilt (None otherwise)."""
    holdout = (
        f"SELECT customer_id, segment_id, '{HOLDOUT}' AS grp FROM {META}.export_holdouts "
        "WHERE export_id = ?"
    )
    if _recorded(ws, record.export_id):
        audience = (
            f"SELECT customer_id, segment_id, '{AUDIENCE}' AS grp FROM {AUDIENCE_TABLE} "
            "WHERE export_id = ?"
        )
        return f"{audience} UNION ALL {holdout}", [record.export_id, record.export_id], None
    chosen = record.options.get("segments")
    if chosen is None and not record.audiences:
        chosen = record.segments
    members = ""
    params: list[Any] = [record.export_id, record.run_id, list(chosen or [])]
    if record.audiences:
        members = (
            f" OR a.customer_id IN (SELECT customer_id FROM {META}.audience_members "
            "WHERE list_contains(?::VARCHAR[], name))"
        )
        params.append(list(record.audiences))
    audience = (
        f"SELECT a.customer_id, a.segment_id, '{AUDIENCE}' AS grp FROM {META}.assignments a "
        f"ANTI JOIN (SELECT customer_id FROM {META}.export_holdouts WHERE export_id = ?) h "
        "ON a.customer_id = h.customer_id "
        f"WHERE a.run_id = ? AND (list_contains(?::INTEGER[], a.segment_id){members})"
    )
    note = (
        f"Export {record.export_id} was made before audiences were recorded customer by "
        f"customer; its audience was rebuilt from run {record.run_id}'s segments"
    )
    return f"{audience} UNION ALL {holdout}", [*params, record.export_id], note
