"""A self-contained HTML report of a run: summary, segment profiles, rules and its recipe.

The file opens offline: plotly.js is embedded once, inline, and nothing is fetched from the
internet. Every user-provided string (segment, run, table and column names, category values,
the recipe) is escaped.

>>> write_report(ws, "r1", "r1-report.html")  # doctest: +SKIP
PosixPath('r1-report.html')
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from ..charts import profiles as profile_charts
from ..errors import SegmentationError
from ..segment.recipe import recipe_toml
from ..segment.runs import get_run
from ..workspace import Workspace
from .build import RunProfile, SegmentProfile, build_profile, save_segment_names
from .words import feature_words, format_value

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2d33;
       max-width: 1100px; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 2px solid #2f6f73; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
.muted { color: #5f6b70; }
.badge { display: inline-block; background: #eef4f4; border-radius: 4px; padding: 0 0.4rem; }
.suggestion { background: #fbf6ee; border-left: 4px solid #d08c60; padding: 0.4rem 0.8rem; }
table { border-collapse: collapse; margin: 0.4rem 0 1rem; font-size: 0.92rem; }
th, td { border-bottom: 1px solid #e3e8ea; padding: 0.25rem 0.7rem; text-align: left; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f4f7f8; }
pre { background: #f4f7f8; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
"""


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _pct(value: float | None) -> str:
    """12% for shares from 10%, 3.4% below (product shares are small)."""
    if value is None or pd.isna(value):
        return "—"
    return f"{value:.0%}" if abs(value) >= 0.1 or value == 0 else f"{value:.1%}"


class _Figures:
    """Figures as HTML: plotly.js inline in the first one only, stable div ids."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, fig: go.Figure) -> str:
        self.count += 1
        return fig.to_html(
            full_html=False,
            include_plotlyjs=self.count == 1,
            div_id=f"figure-{self.count}",
            config={"displaylogo": False, "responsive": True},
        )


def _table(header: list[str], rows: list[list[str]], text_columns: int = 1) -> str:
    """An HTML table of cells already escaped; the first ``text_columns`` are text, the rest
    numbers (right-aligned)."""

    def cell(tag: str, i: int, content: str) -> str:
        return f"<{tag}{'' if i < text_columns else ' class=num'}>{content}</{tag}>"

    head = "".join(cell("th", i, _esc(h)) for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary(profile: RunProfile, run) -> str:
    fidelity = "—" if profile.fidelity is None else f"{profile.fidelity:.0%}"
    rows = [
        [
            _esc(s.name),
            _esc(s.action or "—"),
            f"{s.size:,}",
            _pct(s.share),
            _pct(s.revenue_share),
        ]
        for s in profile.segments
    ]
    return (
        "<h2>Summary</h2>"
        f"<p>{profile.customers:,} customers in {len(profile.segments)} segments, made with "
        f"<b>{_esc(run.algorithm)}</b> on the table <code>{_esc(run.table)}</code> on "
        f"{_esc(profile.created_at.replace('T', ' '))}. The readable rules below place "
        f"{fidelity} of customers in their own segment.</p>"
        + _table(["Segment", "Suggested action", "Customers", "Share", "Revenue share"], rows, 2)
    )


def _segment_section(profile: RunProfile, s: SegmentProfile, figure: _Figures) -> str:
    revenue = f", {_pct(s.revenue_share)} of revenue" if s.revenue_share is not None else ""
    parts = [
        f'<h2 id="segment-{s.segment_id}">{_esc(s.name)}</h2>',
        f"<p>{_esc(s.description)}</p>",
        f'<p><span class="badge">segment {s.segment_id}</span> {s.size:,} customers '
        f"({_pct(s.share)} of customers{revenue}).</p>",
    ]
    if s.action:
        parts.append(f'<p class="suggestion"><b>Suggested action</b>: {_esc(s.action)}</p>')
    parts.append("<h3>Rule</h3>")
    if s.rules:
        items = "".join(f"<li>{_esc(r)}</li>" for r in s.rules)
        parts.append(
            f"<ul>{items}</ul><p class='muted'>Precision {s.rule_precision:.0%} (customers the "
            f"rule picks who are in this segment), recall {s.rule_recall:.0%} (of the segment's "
            "customers the rule picks).</p>"
        )
    else:
        parts.append("<p class='muted'>No simple rule isolates this segment.</p>")
    rows = [
        [
            _esc(feature_words(f)),
            _esc(format_value(f, s.features[f].mean)),
            _esc(format_value(f, s.features[f].median)),
            _esc(format_value(f, profile.overall[f]["mean"])),
            "—" if s.features[f].index is None else f"{s.features[f].index:,.0f}",
        ]
        for f in profile.features
    ]
    parts.append("<h3>Features</h3>")
    parts.append(_table(["Feature", "Mean", "Median", "All customers", "Index"], rows))
    charts_html = [figure(profile_charts.radar(profile.compare(s.segment_id)))]
    for dimension in profile.dimensions:
        top = profile.top(s.segment_id, dimension)
        if top.empty:
            continue
        rows = [
            [_esc(v), _pct(sh), _pct(o), "—" if pd.isna(i) else f"{i:,.0f}"]
            for v, sh, o, i in top.itertuples(index=False)
        ]
        parts.append(f"<h3>Top {_esc(dimension)} values</h3>")
        parts.append(_table([dimension, "Segment share", "All customers", "Index"], rows))
        if dimension == "category":
            charts_html.append(figure(profile_charts.top_values(top, profile.top_basis)))
    parts.append('<div class="grid">' + "".join(f"<div>{c}</div>" for c in charts_html) + "</div>")
    return "\n".join(parts)


def html_report(ws: Workspace, run_id: str, *, profile: RunProfile | None = None) -> str:
    """The report of a run as one self-contained HTML page (plotly.js inline, once).

    ``profile`` reuses a profile already built (the page's cached one). Without it, the
    profile is built here and the names it generates are stored, as `segment profile` does.
    """
    if profile is None:
        profile = build_profile(ws, run_id)
        save_segment_names(ws, profile)
    run = get_run(ws, run_id)
    profile = profile.renamed(run)
    figure = _Figures()
    title = f"Segment profiles: {run.name} ({run.run_id})"
    body = [
        f"<h1>{_esc(title)}</h1>",
        f"<p class='muted'>Report made {datetime.now():%Y-%m-%d %H:%M} by the segmentation "
        "studio. Names, descriptions and actions are generated suggestions; check them "
        "against what you know of your customers.</p>",
        _summary(profile, run),
        "<h3>Customers and revenue</h3>",
        figure(profile_charts.shares(profile.summary_frame())),
        "<h2>How the segments differ</h2>",
        "<p>Index: the segment's mean / the mean of all customers x 100 (100 = average).</p>",
        figure(profile_charts.index_heatmap(profile.feature_frame("index", words=True))),
    ]
    body += [_segment_section(profile, s, figure) for s in profile.segments]
    body += [
        "<h2>About the rules</h2>",
        "".join(f"<p>{_esc(note)}</p>" for note in profile.notes),
        "<p>Rule features: "
        + _esc(", ".join(feature_words(f) for f in profile.rule_features))
        + ".</p>",
        "<h2>How the run was made</h2>",
        "".join(f"<p class='muted'>{_esc(note)}</p>" for note in run.notes),
        "<p>The recipe (<code>segment run --recipe FILE</code> reproduces the run):</p>",
        f"<pre>{_esc(recipe_toml(ws, run_id))}</pre>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def write_report(
    ws: Workspace, run_id: str, path: str | Path, *, profile: RunProfile | None = None
) -> Path:
    """Write :func:`html_report` to ``path`` (UTF-8)."""
    path = Path(path)
    text = html_report(ws, run_id, profile=profile)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SegmentationError(
            f"Cannot write the report to {path}: {exc.strerror}. Check the folder."
        ) from exc
    return path
