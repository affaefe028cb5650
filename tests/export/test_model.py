"""The data classes of segmentation.export.model."""

from segmentation.export.formats import DEFAULT_MIN_SIZE
from segmentation.export.model import ExportOptions
from segmentation.export.suppression import Suppression


def test_options_are_json_ready_without_the_suppressed_customers():
    opts = ExportOptions(
        segments=(1, 2), suppression=Suppression(frozenset({"C1"}), source="x.csv")
    )
    out = opts.to_dict()
    assert out["segments"] == [1, 2] and out["min_size"] == DEFAULT_MIN_SIZE
    assert out["suppression"] == {"source": "x.csv", "sha256": "", "ids": 1, "emails": 0}


def test_a_plan_counts_its_rows(ws):
    from segmentation.export.plan import plan_export

    plan = plan_export(ws, "r1", segments=[1], holdout=0.5)
    assert plan.rows + plan.holdout_rows == int((plan.segments["selected"]).sum())
