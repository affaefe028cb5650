"""The one progress type: sub-steps map onto their share of the whole."""

from __future__ import annotations

from segmentation.progress import no_progress, reporter, substep


def test_substep_maps_a_step_onto_its_share():
    seen: list[tuple[float, str]] = []
    report = substep(lambda f, m: seen.append((f, m)), 0.2, 0.5)
    report(0.0, "start")
    report(1.0, "end")
    assert seen == [(0.2, "start"), (0.7, "end")]


def test_reporter_of_none_reports_nowhere():
    assert reporter(None) is no_progress
    assert reporter(None)(0.5, "x") is None
