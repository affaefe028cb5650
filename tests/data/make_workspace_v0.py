"""Build tests/data/workspace_v0.duckdb with the code as of c62679e (before the house move)."""

import json
import tempfile
from pathlib import Path

from segmentation.demo.sample import write_sample
from segmentation.explore.project import project
from segmentation.export.audiences import save_audience
from segmentation.export.plan import export_audience
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.segment import runs
from segmentation.workspace import open_workspace

out = Path(__file__).resolve().parent
tmp = Path(tempfile.mkdtemp())
write_sample(tmp, customers=400, seed=5)
path = out / "workspace_v0.duckdb"
path.unlink(missing_ok=True)
ws = open_workspace(path)
ingest_file(ws, tmp / "transactions.csv", table="tx")
build_features(ws, "tx", name="feat")
made = {}
for algo, params in [
    ("rfm", {}),
    ("kmeans", {"n_clusters": 4}),
    ("gmm", {"n_components": 3}),
    ("ward", {"n_clusters": 4}),
    ("hdbscan", {"min_cluster_size": 15}),
]:
    r = runs.run_segmentation(ws, "feat", algorithm=algo, params=params, seed=3)
    made[algo] = r.run_id
runs.rename_segment(ws, made["kmeans"], 1, "Renamed by hand")
a = runs.assignments(ws, made["kmeans"])
save_audience(
    ws, made["kmeans"], "picked", a["customer_id"].head(25).tolist(), description="v0 audience"
)
exp_dir = Path(tempfile.mkdtemp())
export_audience(ws, made["kmeans"], exp_dir / "k.csv", fmt="csv", holdout=0.1, seed=7)
project(ws, made["kmeans"], method="pca")
expected = {}
for algo, rid in made.items():
    df = runs.assignments(ws, rid)
    expected[rid] = {
        "algorithm": algo,
        "assignments": dict(
            zip(df["customer_id"].astype(str), df["segment_id"].astype(int).tolist(), strict=True)
        ),
    }
ws.close()
(out / "workspace_v0.json").write_text(json.dumps(expected, indent=0, sort_keys=True))
print(made, path.stat().st_size)
