"""An export's groups: the export looked up by id, and one without a holdout refused."""

from __future__ import annotations

import pytest

from segmentation.errors import InvalidParameterError, TableNotFoundError
from segmentation.export.plan import export_audience
from segmentation.measure.groups import check_holdout, get_export, group_sql


def test_groups_are_the_recorded_audience_and_holdout(campaign):
    record = get_export(campaign.ws, campaign.export_id)
    assert check_holdout(record) == 0.3
    sql, params, note = group_sql(campaign.ws, record)
    rows = campaign.ws.query_df(f"SELECT grp, count(*) AS n FROM ({sql}) GROUP BY 1", params)
    counts = dict(zip(rows["grp"], rows["n"], strict=True))
    assert counts == campaign.groups["grp"].value_counts().to_dict() and note is None


def test_unknown_export_and_export_without_holdout_are_refused(campaign):
    with pytest.raises(TableNotFoundError, match=r"There is no export 'e7' .*exports: e1"):
        get_export(campaign.ws, "e7")
    plain = export_audience(campaign.ws, campaign.run_id, campaign.folder / "plain.csv")
    with pytest.raises(InvalidParameterError, match="has no holdout"):
        check_holdout(get_export(campaign.ws, plain.export_id))
