"""One customer's view: Online Retail's published customer, personal fields kept back, and an
id that does not exist."""

from __future__ import annotations

import pytest

from segmentation.errors import TableNotFoundError
from segmentation.recommend import recommend
from segmentation.recommend.customer import customer_view, reveal_personal, runs_of_customer


def test_a_retail_customer_against_their_segment_and_everyone(retail):
    view = customer_view(retail, "r1", "12347")
    values = view.features.set_index("feature")
    # the published figures of customer 12347 (README, Customer features)
    assert values.loc["recency_days", "customer"] == 3
    assert values.loc["frequency", "customer"] == 7 and view.orders["orders"] == 7
    assert values.loc["monetary", "customer"] == pytest.approx(4310.0)
    assert values.loc["frequency", "everyone"] == pytest.approx(4.272, abs=1e-3)
    assert view.segment == "Champions" and view.distances["segment_id"].iloc[0] == view.segment_id
    assert view.margin is not None and view.margin > 0  # nearer its own centre than any other
    assert list(view.recent_orders["order_id"][:2]) == ["581180", "573511"]
    assert view.recommendations is None and view.predictions is None


def test_a_customer_gets_the_latest_sets_recommendations_with_reasons(retail):
    made = recommend(retail, "r1", evaluate_first=False)
    view = customer_view(retail, "r1", "12347")
    assert view.recommendation_id == made.recommendation_id
    assert list(view.recommendations["rank"]) == list(range(1, 11))
    assert view.recommendations["reason"].str.startswith("customers who bought ").all()


def test_an_unknown_id_says_so_without_repeating_it(retail):
    with pytest.raises(
        TableNotFoundError, match="No customer with that id is in run r1 .4,339"
    ) as e:
        customer_view(retail, "r1", "99999-secret")
    assert "99999" not in str(e.value)
    assert runs_of_customer(retail, "99999-secret") == [] and runs_of_customer(retail, "12347") == [
        "r1"
    ]


def test_personal_fields_stay_hidden_until_revealed(make_shop, tmp_path):
    path = tmp_path / "people.csv"
    rows = [
        f"c{c},o{c}-{o},2024-0{o + 1}-0{1 + c % 9},{'tea' if o else 'cup'}{c % 3},4.5,"
        f"person{c}@example.org"
        for c in range(40)
        for o in range(2)
    ]
    path.write_text("customer,order,date,product,amount,email\n" + "\n".join(rows) + "\n")
    ws = make_shop(path, k=2)
    view = customer_view(ws, "r1", "c7")
    assert view.personal_fields == ["email"]
    assert "person7@example.org" not in repr(view)
    assert reveal_personal(ws, "r1", "c7") == {"email": "person7@example.org"}


def test_stored_predictions_are_shown(bundles):
    with bundles.transaction() as cur:  # the predict stage's tables, as it writes them
        cur.execute(
            "CREATE TABLE _seg.predictions (prediction_id VARCHAR, seq INTEGER, name VARCHAR, "
            "created_at TIMESTAMP, table_name VARCHAR, model VARCHAR, unit VARCHAR, "
            "observation_end DATE, customers BIGINT, summary VARCHAR, recipe VARCHAR, fit VARCHAR)"
        )
        cur.execute(
            "CREATE TABLE _seg.prediction_customers (prediction_id VARCHAR, customer_id VARCHAR, "
            "p_alive DOUBLE, expected_orders DOUBLE, expected_orders_low DOUBLE, "
            "expected_orders_high DOUBLE, clv DOUBLE, clv_low DOUBLE, clv_high DOUBLE)"
        )
        cur.execute(
            "INSERT INTO _seg.predictions VALUES ('p1', 1, 'bgnbd', now(), 'shop_feat', 'bgnbd', "
            "'days', DATE '2024-03-31', 600, '{}', '{}', '{}')"
        )
        cur.execute(
            "INSERT INTO _seg.prediction_customers VALUES ('p1', 'c0001', 0.8, 1.5, 1, 2, 30, 20, 40)"
        )
    p = customer_view(bundles, "r1", "c0001").predictions
    assert p["prediction_id"] == "p1" and p["p_alive"] == 0.8 and p["clv_high"] == 40
    assert customer_view(bundles, "r1", "c0002").predictions is None


def test_the_rule_that_covers_a_customer_is_the_profiles_own(retail):
    from segmentation.profiles.build import build_profile

    profile = build_profile(retail, "r1")
    frame = retail.query_df(
        "SELECT f.*, a.segment_id AS assigned FROM feat f JOIN _seg.assignments a "
        "ON a.customer_id = f.customer_id AND a.run_id = 'r1'"
    )
    placed = [profile.rule_for(row) for row in frame.to_dict("records")]
    agree = sum(p[0] == s for p, s in zip(placed, frame["assigned"], strict=True)) / len(frame)
    assert agree == pytest.approx(profile.fidelity)  # the same tree the SQL checked
    texts = {s.segment_id: s.rules for s in profile.segments}
    assert all(text in texts[sid] for sid, text in placed)
    view = customer_view(retail, "r1", "12347", rule_of=profile.rule_for)
    assert view.rule in texts[view.rule_segment]
