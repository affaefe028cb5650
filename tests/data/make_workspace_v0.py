"""Write workspace_v0.duckdb and workspace_v0.json beside this script, with the flat layout's code.

Its imports are the old flat layout: the tests' ``workspace_v0`` fixture copies it next to the
package of commit 468a207 (taken from git) and runs it there; nothing it writes is committed.
"""

import json
import tempfile
from pathlib import Path

from segmentation.audiences import export_audience
from segmentation.projection import project
from segmentation.sample import write_sample
from segmentation.selections import save_audience

from segmentation import runs
from segmentation.features import build_features
from segmentation.ingest import ingest_file
from segmentation.workspace import open_workspace


def main() -> None:
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
                zip(
                    df["customer_id"].astype(str),
                    df["segment_id"].astype(int).tolist(),
                    strict=True,
                )
            ),
        }
    ws.close()
    (out / "workspace_v0.json").write_text(json.dumps(expected, indent=0, sort_keys=True))
    print(made, path.stat().st_size)


if __name__ == "__main__":  # run by the workspace_v0 fixture, with the code of 468a207
    main()
