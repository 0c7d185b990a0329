"""Risk scores: the known order of the hand-built town, each term explained, context terms
(crossings, neighbours, bridge type, material) and the rule book's checks."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

import registry
from registry import Change
from registry.cases import Cases, Report
from registry.errors import InvalidInput, LayerDefinitionError
from registry.plans import risk
from registry.plans.weights import RISK_FILE, load_book
from plans.town import EXPECTED, TODAY, WHO


def test_scores_follow_the_known_order(town):
    table = risk.score(town.reg, "drains", today=TODAY)
    names = {v: k for k, v in town.ids.items()}
    ranked = table.sort_values("score", ascending=False)
    assert [names[u] for u in ranked["uuid"]] == ["A", "D", "B", "C"]
    assert dict(zip(map(names.get, table["uuid"]), table["score"])) == EXPECTED


def test_explanation_gives_every_term_of_inlet_a(town):
    terms = risk.explain(town.reg, town["A"], today=TODAY)
    assert terms == [
        {"term": "condition", "part": "likelihood", "value": 5, "weight": 30.0, "points": 30.0},
        {"term": "age", "part": "likelihood", "value": 36, "weight": 10.0, "points": 10.0},
        {"term": "incidents", "part": "likelihood", "value": 3, "weight": 40.0, "points": 30.0},
        {"term": "overdue", "part": "likelihood", "value": None, "weight": 20.0, "points": 20.0},
        {"term": "main_road", "part": "consequence", "value": "中山路", "weight": 0.5,
         "points": 0.5},
        {"term": "neighbours", "part": "consequence", "value": 0, "weight": 0.5, "points": 0.0},
    ]


def test_unknown_year_and_recent_cleaning_are_explained(town):
    d = {t["term"]: t for t in risk.explain(town.reg, town["D"], today=TODAY)}
    assert (d["age"]["value"], d["age"]["points"]) == (None, 5.0)  # unknown counts half
    c = {t["term"]: t for t in risk.explain(town.reg, town["C"], today=TODAY)}
    assert (c["overdue"]["value"], c["overdue"]["points"]) == (0, 0.0)
    assert c["age"]["points"] == pytest.approx(0.667)


def test_a_cleaning_event_restarts_the_inspection_cycle(town):
    town.reg.record_event(town["B"], registry.MaintenanceEvent(kind="cleaning",
                                                               date="2025-09-01"), WHO)
    b = {t["term"]: t for t in risk.explain(town.reg, town["B"], today=TODAY)}
    # 273 days since the cleaning, 180 allowed: 93 days late of a full 180.
    assert b["overdue"]["value"] == 93
    assert b["overdue"]["points"] == pytest.approx(20 * 93 / 180, abs=1e-3)


def _frame(columns: dict, geometry: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=geometry, crs=4490)


def test_a_lamp_at_a_crossing_weighs_more(town):
    lamps = _frame({"source_id": ["L1", "L2", "L3"], "condition": [3, 3, 3],
                    "road_name": ["小安巷", "建设大街", "小安巷"], "install_year": [2010] * 3},
                   [shapely.Point(114.52, 38.05), shapely.Point(114.5202, 38.0501),
                    shapely.Point(114.53, 38.05)])
    added = town.reg.add("lamp_posts", lamps, WHO)
    table = risk.score(town.reg, "lamp_posts", today=TODAY).set_index("uuid")
    l1, _, l3 = added["uuid"]
    assert table.loc[l1, "value.crossing"] == 1 and table.loc[l1, "points.crossing"] == 0.8
    assert table.loc[l3, "value.crossing"] == 0
    assert table.loc[l1, "score"] == pytest.approx(table.loc[l3, "score"] * 1.8)


def test_an_inlet_among_many_assets_weighs_more(town):
    near = shapely.points([114.5002 + 0.00003 * i for i in range(8)], [38.0402] * 8)
    town.reg.add("lamp_posts", _frame({"condition": [2] * 8}, list(near)), WHO)
    a = {t["term"]: t for t in risk.explain(town.reg, town["A"], today=TODAY)}
    assert (a["neighbours"]["value"], a["neighbours"]["points"]) == (8, 0.5)


def test_neighbours_of_a_selection_spread_over_town_count_each_once(town):
    # Ten inlets 50 m apart with a lamp halfway between each pair, 3 km from inlet A: the
    # row spans several of the cells its neighbours are read by, so their boxes overlap.
    step = 0.00057  # 50 m of longitude at 38.07°
    row = shapely.points([114.53 + step * i for i in range(10)], [38.07] * 10)
    lamps = shapely.points([114.53 + step * (i + 0.5) for i in range(9)], [38.07] * 9)
    inlets = town.reg.add("drains", _frame({"condition": [2] * 10}, list(row)), WHO)["uuid"]
    town.reg.add("lamp_posts", _frame({"condition": [2] * 9}, list(lamps)), WHO)
    table = risk.score_assets(town.reg, [town["A"], *inlets], today=TODAY)
    # an end inlet: one inlet and one lamp within 60 m; the others two of each
    assert table["value.neighbours"].tolist() == [0, 2, 4, 4, 4, 4, 4, 4, 4, 4, 2]


def test_bridge_type_and_grey_cast_iron(town):
    deck = shapely.box(114.52, 38.06, 114.521, 38.061)
    bridges = _frame({"name": ["立交", "天桥"], "bridge_type": ["interchange", "footbridge"],
                      "bci": [60.0, 60.0], "build_year": [1990, 1990], "span_m": [30.0, 30.0]},
                     [deck, shapely.box(114.53, 38.06, 114.531, 38.061)])
    interchange, footbridge = town.reg.add("bridges", bridges, WHO)["uuid"]
    table = risk.score(town.reg, "bridges", today=TODAY).set_index("uuid")
    assert table.loc[interchange, "value.condition"] == "D"
    assert table.loc[interchange, "score"] > table.loc[footbridge, "score"]
    assert table.loc[interchange, "points.bridge_type"] == 1.0
    assert table.loc[footbridge, "points.bridge_type"] == 0.3
    mains = _frame({"material": ["grey_cast_iron", "pe"], "install_year": [2000, 2000]},
                   [shapely.LineString([(114.50, 38.05), (114.501, 38.05)]),
                    shapely.LineString([(114.50, 38.051), (114.501, 38.051)])])
    iron, pe = town.reg.add("gas_mains", mains, WHO)["uuid"]
    gas = risk.score(town.reg, "gas_mains", today=TODAY).set_index("uuid")
    assert (gas.loc[iron, "points.material"], gas.loc[pe, "points.material"]) == (35.0, 7.0)


def test_a_layer_without_rules_is_refused(town):
    with pytest.raises(InvalidInput, match="layer 'grids' has no repair-plan rules"):
        risk.score(town.reg, "grids")


def test_a_broken_rule_book_names_the_key(tmp_path: Path):
    broken = tmp_path / "risk.toml"
    broken.write_text(RISK_FILE.read_text(encoding="utf-8").replace(
        "incidents = 40", "incidence = 40"), encoding="utf-8")
    with pytest.raises(LayerDefinitionError, match=r"drains\.likelihood.*incidence"):
        load_book(broken)


def test_the_shipped_rule_book_matches_the_layers():
    book = load_book(layers=registry.load_layers())
    assert set(book.layers) == {"drains", "lamp_posts", "gas_mains", "bridges", "safety_valves"}
    assert all(sum(r.likelihood.values()) == 100 for r in book.layers.values())


def test_open_and_repeated_cases_count_as_incidents(town):
    cases = Cases(town.reg)
    for day in ("2026-04-03", "2026-05-06"):
        cases.report(Report("drain_dumping", 114.518, 38.04, "倾倒垃圾"),
                     Change(who="巡查员", at=datetime.fromisoformat(f"{day}T09:00+08:00")))
    d = {t["term"]: t for t in risk.explain(town.reg, town["D"], today=TODAY)}
    assert (d["incidents"]["value"], d["incidents"]["points"]) == (2, 20.0)
