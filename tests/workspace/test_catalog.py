"""Identifiers from users reach SQL only through quote_ident; table names are made safe."""

from __future__ import annotations

import pytest

from segmentation.errors import InvalidParameterError
from segmentation.workspace.catalog import (
    ColumnInfo,
    TableInfo,
    check_table_name,
    quote_ident,
    safe_table_name,
)


def test_quote_ident_doubles_quotes_and_refuses_nul_and_empty():
    assert quote_ident('a "b"') == '"a ""b"""'
    with pytest.raises(InvalidParameterError, match="NUL character"):
        quote_ident("a\x00b")
    with pytest.raises(InvalidParameterError, match="non-empty string"):
        quote_ident("")


def test_table_names_from_files_and_from_users():
    assert safe_table_name("2010-12-01.csv") == "t_2010_12_01"
    assert check_table_name("orders_2024") == "orders_2024"
    with pytest.raises(InvalidParameterError, match="reserved"):
        check_table_name("_seg_runs")


def test_table_info_roles_and_columns():
    info = TableInfo("t", "transactions", 3, [ColumnInfo("id", "VARCHAR", "customer_id")])
    assert info.roles == {"customer_id": "id"}
    assert info.column("id").type == "VARCHAR"
