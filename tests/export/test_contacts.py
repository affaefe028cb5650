"""Contact tables of segmentation.export.contacts: found by the customers they share with a run."""

import pytest

from segmentation.errors import InvalidParameterError
from segmentation.export import contacts


def test_the_customer_table_of_the_run_gives_the_contact_fields(ws):
    info = contacts.find_contacts(ws, "r1")
    assert info is not None and info.name == "customers"
    assert "email" in contacts.contact_roles(info)
    choices = contacts.column_choices(ws, "r1")
    assert choices["contacts"] == "customers" and "monetary" in choices["numeric"]


def test_a_table_without_contact_roles_is_refused(ws):
    with pytest.raises(InvalidParameterError, match="cannot give contact fields"):
        contacts.find_contacts(ws, "r1", "transactions_features")
