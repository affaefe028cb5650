"""The HTML report of a run, and the `segment profile` / `segment rename` commands."""

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import sample_run_workspace

from segmentation.errors import SegmentationError
from segmentation.profiles import build as profiles
from segmentation.profiles.report import html_report, write_report
from segmentation.segment import runs
from segmentation.workspace import open_workspace

SEGMENT = Path(sys.executable).with_name("segment")
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def workspace_file(tmp_path_factory) -> Path:
    """A closed workspace with features and a k-means run r1 (k=5) of the sample data."""
    return sample_run_workspace(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def report(workspace_file):
    """The report of r1 after a hostile rename, with the profile it shows."""
    ws = open_workspace(workspace_file)
    profile = profiles.build_profile(ws, "r1")
    profiles.save_segment_names(ws, profile)
    runs.rename_segment(ws, "r1", 3, HOSTILE)
    text = html_report(ws, "r1", profile=profile)
    names = [s.name for s in runs.get_run(ws, "r1").segments]
    runs.set_segment_names(ws, "r1", {3: (profile.segment(3).name, profile.segment(3).description)})
    ws.close()
    return text, names


def segment(*args, ws):
    cmd = [str(SEGMENT), "--workspace", str(ws)] + [str(a) for a in args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def test_the_report_is_self_contained(report):
    text, _ = report
    assert text.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]*\bsrc=", text)  # nothing fetched, not even locally
    outside_scripts = re.sub(r"<script[^>]*>.*?</script>", "", text, flags=re.S)
    assert "http" not in outside_scripts  # no link, image or stylesheet from the internet
    assert "<link" not in text and "@import" not in text
    assert text.count("plotly.js v") == 1  # the library, inline, once
    assert text.count("Plotly.newPlot(") >= 3


def test_the_report_names_every_segment_and_escapes_them(report):
    text, names = report
    assert HOSTILE in names
    for name in names:
        assert html.escape(name) in text
    assert HOSTILE not in text
    assert html.escape(HOSTILE) in text


def test_the_report_holds_summary_profiles_rules_and_recipe(report):
    text, _ = report
    for heading in (
        "Summary",
        "How the segments differ",
        "About the rules",
        "How the run was made",
    ):
        assert f"<h2>{heading}</h2>" in text
    assert "Suggested action" in text and "Precision" in text
    assert "[algorithm]" in text and "segment run --recipe" in text
    assert "days since last order" in text and "Top category values" in text


def test_write_report_writes_utf8_and_says_when_it_cannot(workspace_file, tmp_path):
    ws = open_workspace(workspace_file)
    try:
        path = write_report(ws, "r1", tmp_path / "r1.html")
        assert path.read_text(encoding="utf-8").endswith("</html>\n")
        with pytest.raises(SegmentationError, match="Cannot write the report to"):
            write_report(ws, "r1", tmp_path / "missing" / "r1.html")
    finally:
        ws.close()


def test_cli_profile_json_prints_the_promised_keys_and_writes_html(workspace_file, tmp_path):
    out = tmp_path / "report.html"
    result = segment("--json", "profile", "r1", "--html", out, ws=workspace_file)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"run_id", "fidelity", "segments"}
    assert data["run_id"] == "r1" and data["fidelity"] >= 0.85
    first = data["segments"][0]
    assert set(first) == {
        "segment_id",
        "name",
        "description",
        "size",
        "share",
        "revenue_share",
        "features",
        "rules",
        "rule_precision",
        "rule_recall",
        "action",
    }
    assert set(first["features"]["recency_days"]) == {"mean", "median", "index"}
    assert sum(s["share"] for s in data["segments"]) == pytest.approx(1)
    assert out.read_text(encoding="utf-8").count("plotly.js v") == 1


def test_cli_profile_text_and_unknown_run(workspace_file):
    result = segment("profile", "r1", ws=workspace_file)
    assert result.returncode == 0, result.stderr
    assert "rule:" in result.stdout and "of revenue" in result.stdout
    missing = segment("profile", "r9", ws=workspace_file)
    assert missing.returncode == 1
    assert "There is no run 'r9'" in missing.stderr


def test_cli_rename_renames_and_refuses_duplicates(workspace_file):
    result = segment("--json", "rename", "r1", "2", "Newbies", ws=workspace_file)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["run_id"], data["segment_id"], data["name"]) == ("r1", 2, "Newbies")
    clash = segment("rename", "r1", "3", "newbies", ws=workspace_file)
    assert clash.returncode == 1
    assert "already called 'Newbies'" in clash.stderr
    ws = open_workspace(workspace_file)
    try:
        assert [s.name for s in runs.get_run(ws, "r1").segments].count("Newbies") == 1
    finally:
        ws.close()
