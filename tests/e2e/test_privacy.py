"""Personal data never appears in error messages."""

import pytest

from segmentation.errors import SegmentationError
from segmentation.export.audiences import save_audience
from segmentation.export.suppression import read_suppression
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file, update_roles
from segmentation.segment.runs import run_segmentation
from segmentation.workspace import open_workspace

EMAIL = "jane.private@example.org"
CUSTOMER = "C98765"


def message_of(call) -> str:
    with pytest.raises(SegmentationError) as err:
        call()
    return str(err.value)


def test_suppression_list_without_a_header_is_not_echoed(tmp_path):
    path = tmp_path / "unsubscribed.csv"
    path.write_text(f"{EMAIL},Jane,{CUSTOMER}\nother@example.org,Bob,C1\n")
    message = message_of(lambda: read_suppression(path))
    assert "unsubscribed.csv" in message
    assert EMAIL not in message and CUSTOMER not in message and "Jane" not in message


def test_feature_and_audience_errors_name_counts_not_customers(workspace_path, tmp_path):
    ws = open_workspace(workspace_path)
    rows = "".join(f"{CUSTOMER},{EMAIL},{i}\n" for i in range(3)) + "C2,b@example.org,5\n"
    (tmp_path / "crm.csv").write_text("customer_id,email,score\n" + rows)
    info = ingest_file(ws, tmp_path / "crm.csv")
    update_roles(ws, info.name, {}, kind="customers")
    message = message_of(lambda: build_features(ws, info.name))  # repeated ids, refused
    assert "1 customer id" in message or "appear more than once" in message
    assert CUSTOMER not in message and EMAIL not in message
    (tmp_path / "tx.csv").write_text(
        "customer_id,order_date,amount\n"
        + "".join(f"K{i % 40},2024-01-{i % 28 + 1:02d},{i}\n" for i in range(200))
    )
    ingest_file(ws, tmp_path / "tx.csv")
    build_features(ws, "tx", name="feat")
    run = run_segmentation(ws, "feat", params={"n_clusters": 3})
    message = message_of(lambda: save_audience(ws, run.run_id, "x", [CUSTOMER, "K1"]))
    assert CUSTOMER not in message
