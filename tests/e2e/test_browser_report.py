"""The HTML report and the charts on their own in a real Chromium: every label inside its figure."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ARTIFACTS, chromium_context, sample_run_workspace

from segmentation.profiles.report import html_report
from segmentation.workspace import open_workspace

pytestmark = pytest.mark.browser

# Each figure's text (ticks, axis titles, subplot titles, legends) against the figure's own box.
OUTSIDE = """() => {
  const out = [];
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const box = plot.querySelector('svg.main-svg').getBoundingClientRect();
    const texts = plot.querySelectorAll(
      '.xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .annotation-text, .legendtext');
    for (const t of texts) {
      const r = t.getBoundingClientRect();
      if (!t.textContent.trim() || r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 ||
          r.top < box.top - 1 || r.bottom > box.bottom + 1)
        out.push(plot.id + ': ' + t.textContent);
    }
  }
  return out;
}"""


def test_the_report_charts_keep_every_label_inside_the_figure(tmp_path: Path):
    path = sample_run_workspace(tmp_path)
    report = tmp_path / "report.html"
    report.write_text(html_report(open_workspace(path), "r1"), encoding="utf-8")
    with chromium_context() as context:
        page = context.new_page()
        page.set_viewport_size({"width": 1100, "height": 900})
        page.goto(report.as_uri())
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .xtick').length")
        cut = page.evaluate(OUTSIDE)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert page is not None and cut == []
