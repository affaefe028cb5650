"""Hostile values in numeric columns, through every stage: ingest, features, a run, profiles and
export. Each stage completes, or refuses with a SegmentationError that says what to do; never a
driver error, a scikit-learn error or a value pasted into SQL text (issue 14, bug 4).
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError, SegmentationError
from segmentation.export.plan import export_audience
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.profiles.build import build_profile
from segmentation.segment.runs import run_segmentation
from segmentation.workspace import open_workspace

HOSTILE = {
    "inf": "inf",
    "minus_inf": "-inf",
    "nan": "nan",
    "near_max": "1e308",
    "near_min": "-1e308",
    "denormal": "5e-324",
    "minus_zero": "-0.0",
    "int64_max": "9223372036854775807",
    "int64_min": "-9223372036854775808",
}
CUSTOMERS, LINES = 60, 400


def _write(path: Path, column: str, hostile: list[str], every: int = 40) -> Path:
    """Order lines of 60 customers; every ``every``-th line has a hostile value in ``column``."""
    rng = random.Random(0)
    lines = ["customer_id,order_date,amount,quantity,score"]
    for i in range(LINES):
        row = {
            "amount": f"{rng.uniform(1, 200):.2f}",
            "quantity": str(rng.randrange(1, 9)),
            "score": f"{rng.random():.3f}",
        }
        if i % every == 7 % every:
            row[column] = hostile[(i // every) % len(hostile)]
        day = f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 28):02d}"
        lines.append(f"C{rng.randrange(CUSTOMERS):03d},{day},{','.join(row.values())}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _through_every_stage(tmp_path: Path, csv: Path) -> pd.DataFrame:
    """Ingest, features, a k-means run, its profile and an export; the exported rows."""
    ws = open_workspace(tmp_path / "ws.duckdb")
    try:
        info = ingest_file(ws, csv, table="tx")
        assert info.rows == LINES and info.kind == "transactions"
        assert all(isinstance(n, int) for n in (info.quality["outlier_values"],))
        built = build_features(ws, "tx", name="feat")
        assert built.customers == CUSTOMERS
        try:
            run = run_segmentation(ws, "feat", params={"n_clusters": 3}, seed=1)
        except InvalidParameterError as exc:  # a clean refusal names the feature and the fix
            assert "too large" in str(exc) and "leave it out" in str(exc)
            return pd.DataFrame()
        profile = build_profile(ws, run.run_id)
        assert sum(s.size for s in profile.segments) == CUSTOMERS
        out = export_audience(ws, run.run_id, tmp_path / "audience.csv")
        return pd.read_csv(out.files[0].path, dtype=str)
    finally:
        ws.close()


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_amount_goes_through_every_stage_or_is_refused_cleanly(tmp_path, value):
    exported = _through_every_stage(tmp_path, _write(tmp_path / "t.csv", "amount", [value]))
    assert exported.empty or len(exported) == CUSTOMERS


@pytest.mark.parametrize("value", ["9223372036854775807", "-9223372036854775808", "-0"])
def test_the_largest_64_bit_quantities_go_through_every_stage(tmp_path, value):
    exported = _through_every_stage(tmp_path, _write(tmp_path / "t.csv", "quantity", [value]))
    assert len(exported) == CUSTOMERS


def test_every_kind_of_hostile_value_at_once_goes_through_every_stage(tmp_path):
    exported = _through_every_stage(
        tmp_path, _write(tmp_path / "t.csv", "score", list(HOSTILE.values()), every=3)
    )
    assert len(exported) == CUSTOMERS


def test_quartiles_near_the_largest_double_do_not_break_the_quality_report(tmp_path):
    """Fences beyond the largest double are infinite: bound, they count no outlier."""
    csv = _write(tmp_path / "t.csv", "score", ["1e308", "-1e308"], every=1)
    ws = open_workspace(tmp_path / "ws.duckdb")
    info = ingest_file(ws, csv, table="tx")
    score = next(c for c in info.quality["per_column"] if c["name"] == "score")
    assert score["outliers"] == 0 and info.rows == LINES
    ws.close()


def test_text_in_an_amount_column_is_named_when_features_are_built(tmp_path):
    csv = _write(tmp_path / "t.csv", "amount", ["twelve"], every=1)
    ws = open_workspace(tmp_path / "ws.duckdb")
    info = ingest_file(ws, csv, table="tx")
    assert "amount" not in info.roles and info.kind == "transactions"
    with pytest.raises(InvalidParameterError, match="role 'amount'"):
        build_features(ws, "tx", name="feat")
    ws.close()


def test_hostile_values_never_raise_anything_but_segmentation_errors(tmp_path):
    """A mix in every numeric column; each stage either works or says what to do."""
    values = list(HOSTILE.values()) + ["twelve", "1e309", "-1e309", "0x10", "1_000", "NaN"]
    rng = random.Random(5)
    lines = ["customer_id,order_date,amount,quantity"]
    for i in range(200):
        amount = rng.choice(values) if i % 5 == 0 else f"{rng.uniform(1, 99):.2f}"
        quantity = rng.choice(values) if i % 7 == 0 else str(rng.randrange(1, 5))
        lines.append(f"C{i % 30:02d},2024-03-{1 + i % 28:02d},{amount},{quantity}")
    csv = tmp_path / "mix.csv"
    csv.write_text("\n".join(lines) + "\n")
    try:
        _through_every_stage_loosely(tmp_path, csv)
    except SegmentationError as exc:
        assert str(exc).strip()


def _through_every_stage_loosely(tmp_path: Path, csv: Path) -> None:
    ws = open_workspace(tmp_path / "mix.duckdb")
    try:
        ingest_file(ws, csv, table="tx")
        build_features(ws, "tx", name="feat")
        run = run_segmentation(ws, "feat", params={"n_clusters": 3}, seed=1)
        build_profile(ws, run.run_id)
        export_audience(ws, run.run_id, tmp_path / "mix-out.csv")
    finally:
        ws.close()


def test_customer_ids_at_the_ends_of_64_bit_integers_are_exported_exactly(tmp_path):
    ids = [str(2**63 - 1 - i) for i in range(30)] + [str(-(2**63) + i) for i in range(30)]
    rng = random.Random(2)
    lines = ["customer_id,order_date,amount"] + [
        f"{ids[i % 60]},2024-{1 + i % 12:02d}-{1 + i % 28:02d},{rng.uniform(1, 99):.2f}"
        for i in range(LINES)
    ]
    csv = tmp_path / "ids.csv"
    csv.write_text("\n".join(lines) + "\n")
    exported = _through_every_stage(tmp_path, csv)["customer_id"]
    # a leading "-" is written as "'-" so that a spreadsheet does not read a formula
    assert sorted(exported.str.removeprefix("'")) == sorted(ids)
    assert all(v.startswith("'-") for v in exported if not v[0].isdigit())
