"""Reading an Excel workbook (.xlsx, .xlsm): its first sheet, every value as text.

>>> open_excel(Path("customers.xlsx"), "customers.xlsx").options  # doctest: +SKIP
{'format': 'excel', 'sheet': 'Sheet1'}
"""

from __future__ import annotations

from pathlib import Path

from ..errors import IngestError
from .files import Source, first_line
from .text import unique_names


def open_excel(path: Path, shown: str) -> Source:
    import pandas as pd
    import pyarrow as pa

    try:
        book = pd.ExcelFile(path, engine="calamine")
        sheets = book.sheet_names
        frame = pd.read_excel(book, sheet_name=sheets[0], header=None, dtype=str)
    except Exception as exc:  # the Excel readers raise many kinds of errors
        raise IngestError(
            f"{shown}: not a valid Excel workbook ({first_line(exc, shown)}). Open it in "
            "Excel and save it again as .xlsx, or export it as CSV."
        ) from exc
    frame = frame.dropna(how="all").dropna(axis=1, how="all")
    if len(frame) < 2:
        raise IngestError(
            f"{shown}: the first sheet {sheets[0]!r} has no data rows under its "
            "header. Put the data on the first sheet."
        )
    names, warnings = unique_names(
        [str(v).strip() if isinstance(v, str) else "" for v in frame.iloc[0].tolist()]
    )
    body = frame.iloc[1:]
    arrays = [
        pa.array(body[c].where(body[c].notna(), None).tolist(), type=pa.string())
        for c in body.columns
    ]
    arrow = pa.table(arrays, names=names)
    if len(sheets) > 1:
        warnings.append(
            f"Only the first sheet ({sheets[0]!r}) was loaded; {len(sheets) - 1} other "
            "sheet(s) were left out."
        )
    options = {"format": "excel", "sheet": sheets[0]}
    return Source("__excel", [], options=options, warnings=warnings, arrow=arrow)
