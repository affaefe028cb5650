"""Values are bound, never formatted into SQL text: a scan of every SQL f-string of the library.

An f-string that holds SQL may interpolate identifiers (through quote_ident), SQL fragments and
names, but not a value formatted by ``!r`` or a format spec (``{fence!r}`` once wrote ``inf``
into a query, issue 14). Whole-number constants that DuckDB cannot bind (``USING SAMPLE n``) go
through ``int()`` and are not flagged.
"""

import ast
import re
from pathlib import Path

SQL = re.compile(r"\b(SELECT|WHERE|FILTER|JOIN|CASE WHEN|GROUP BY|ORDER BY|INSERT|UPDATE|DELETE)\b")
LIBRARY = Path(__file__).resolve().parents[2] / "segmentation"


def _sql_fstrings(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if SQL.search(text):
                yield node


def _formatted_values(node: ast.JoinedStr) -> list[str]:
    return [
        ast.unparse(v.value)
        for v in node.values
        if isinstance(v, ast.FormattedValue) and (v.conversion != -1 or v.format_spec)
    ]


def test_no_sql_text_formats_a_value():
    found = [
        f"{path.relative_to(LIBRARY.parent)}:{node.lineno}: {expr}"
        for path in sorted(LIBRARY.rglob("*.py"))
        if "charts" not in path.parts  # plotly hover templates, not SQL
        for node in _sql_fstrings(path)
        for expr in _formatted_values(node)
    ]
    assert not found, "values formatted into SQL text (bind them with ?):\n" + "\n".join(found)


def test_the_scan_finds_a_value_formatted_into_sql():
    node = ast.parse('f"SELECT count(*) FROM t WHERE x < {lo!r}"').body[0].value
    assert _formatted_values(node) == ["lo"]
