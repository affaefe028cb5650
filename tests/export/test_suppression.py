"""Suppression lists of segmentation.export.suppression, and an export that honours one."""

import pytest

from segmentation.errors import InvalidParameterError
from segmentation.export import plan as audiences
from segmentation.export import suppression


def test_suppression_by_id_and_by_differently_written_email(ws, contacts):
    assert suppression.suppression_key(" John.Doe@Example.COM ") == "john.doe@example.com"
    one_per_line = suppression.read_suppression(b" John.Doe@Example.COM \nC00007\n")
    assert one_per_line.emails == {"john.doe@example.com"} and one_per_line.ids == {"C00007"}
    with_email = contacts[contacts["email"].str.contains("@example")].iloc[3]
    shouted = f"  {with_email['email'].strip().upper()} "
    listing = f"Customer ID;E-mail\nC00001;\n;{shouted}\n".encode()
    supp = suppression.read_suppression(listing, "optout.csv")
    assert supp.ids == {"C00001"} and len(supp.emails) == 1
    plan = audiences.plan_export(ws, "r1", suppression=supp)
    assert plan.suppressed == 2 and plan.rows == 798
    left = set(plan.audience["customer_id"])
    assert "C00001" not in left and with_email["customer_id"] not in left
    with pytest.raises(InvalidParameterError, match="name one of them customer_id"):
        suppression.read_suppression(b"a,b\n1,2\n", "odd.csv")
