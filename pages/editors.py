"""The editors the Features and Segment pages share: the features and transforms used for
segmentation, an algorithm's parameters, the default as-of date. (Not a page.)"""

from __future__ import annotations

import streamlit as st

from segmentation.features import summaries as stats
from segmentation.features.build import default_as_of
from segmentation.features.definitions import BEHAVIOURAL_FEATURES
from segmentation.segment.preprocess import IMPUTERS, SCALERS, PrepConfig, default_config
from segmentation.segment.registry import Param
from segmentation.workspace import Workspace

CLIPS = {"No clipping": None, "1st to 99th percentile": (0.01, 0.99), "5th to 95th": (0.05, 0.95)}


def param_widget(p: Param, key: str):
    """The widget of one algorithm parameter, labelled in words; None means automatic."""
    label = p.label
    if p.kind == "choice":
        return st.selectbox(
            label, p.choices, index=p.choices.index(p.default), help=p.help, key=key
        )
    if p.kind == "bool":
        return st.checkbox(label, value=bool(p.default), help=p.help, key=key)
    if p.default is None and not st.checkbox(
        f"Choose {label.lower()}", key=key + "_own", help=p.help + " Off: automatic."
    ):
        return None
    cast = int if p.kind == "int" else float
    default = cast(p.default if p.default is not None else p.low)
    return st.number_input(
        label, cast(p.low), cast(min(p.high, 10**6)), default, help=p.help, key=key
    )


@st.cache_data(max_entries=8, show_spinner=False)
def _sample_of(_ws: Workspace, path: str, table: str, version: str):
    """A sample of a feature table for default choices (version: its load time)."""
    return stats.read_table(_ws, table, sample=50_000)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_as_of(_ws: Workspace, path: str, table: str, version: str):
    """The as-of date a build of ``table`` uses by default (version: its load time)."""
    return default_as_of(_ws, table)


def saved_prep(ws: Workspace, table: str, numeric: list[str]) -> PrepConfig:
    """The choices saved for ``table`` in this session, else the defaults for its data."""
    saved = st.session_state.setdefault("segment_prep", {}).get(table)
    if saved:
        return PrepConfig.from_dict(saved)
    frame = _sample_of(ws, str(ws.path), table, str(ws.table(table).loaded_at))
    return default_config(frame, [c for c in BEHAVIOURAL_FEATURES if c in numeric] or None)


def prep_editor(saved: PrepConfig, numeric: list[str], text: list[str], key: str) -> PrepConfig:
    """The one editor of the features and transforms used for segmentation (Features and
    Segment pages); widget keys start with ``key``."""
    features = st.multiselect(
        "Numeric features",
        numeric,
        default=[f for f in saved.features if f in numeric],
        key=f"{key}_features",
        help="Default: the behavioural features, log + standard scaling.",
    )
    categorical = st.multiselect(
        "Categorical features (opt-in)",
        text,
        default=[c for c in saved.categorical if c in text],
        key=f"{key}_cat",
        help="One-hot encoded, rare categories grouped; they often dominate distances.",
    )
    log = st.multiselect(
        "Log scale (log1p)",
        features,
        key=f"{key}_log",
        default=[c for c in saved.log if c in features],
        help="Suggested for skewed, non-negative features.",
    )
    a, b, c = st.columns(3)
    scaler = a.selectbox("Scaler", SCALERS, index=SCALERS.index(saved.scaler), key=f"{key}_scaler")
    impute = b.selectbox(
        "Fill missing values with",
        IMPUTERS,
        index=IMPUTERS.index(saved.impute),
        key=f"{key}_impute",
    )
    clip = c.selectbox(
        "Clip extremes",
        list(CLIPS),
        key=f"{key}_clip",
        index=list(CLIPS.values()).index(saved.clip) if saved.clip in CLIPS.values() else 0,
    )
    indicator = st.checkbox(
        "Add a missing-value indicator", value=saved.missing_indicator, key=f"{key}_ind"
    )
    chosen = [*features, *categorical]
    weights = st.data_editor(
        {"feature": chosen, "weight": [float(saved.weights.get(f, 1.0)) for f in chosen]},
        key=f"{key}_weights",
        disabled=["feature"],
        hide_index=True,
        column_config={
            "weight": st.column_config.NumberColumn(
                "Weight",
                min_value=0.0,
                max_value=10.0,
                step=0.1,
                help="Multiplies the feature after scaling: 2 counts it twice as much, 0 ignores it.",
            )
        },
    )
    return PrepConfig(
        features=tuple(features),
        categorical=tuple(categorical),
        log=tuple(log),
        scaler=scaler,
        impute=impute,
        clip=CLIPS[clip],
        missing_indicator=indicator,
        weights={
            f: w for f, w in zip(weights["feature"], weights["weight"], strict=True) if w != 1.0
        },
    )
