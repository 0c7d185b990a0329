"""Renovation scope per main, problems reported, courtyard scores explained."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from gas.gas_networks import LOOP_BUILDINGS, WHO, at, main
from registry import MaintenanceEvent
from registry.gas.buildings import buildings, courtyard_households
from registry.gas.risk import NO_COURTYARD, courtyard_candidates, explain
from registry.gas.scope import renovation_scope

YEAR = 2026


def verdicts(found) -> dict[str, tuple[str, str]]:
    seg = found.segments
    assert (seg["in_scope"] == (seg["bucket"] == "replace")).all()
    return {s: (b, r) for s, b, r in zip(seg["source_id"], seg["bucket"], seg["reason"])}


@pytest.fixture()
def mixed(city_factory):
    """One main of each case the plan distinguishes, all in 乙小区 unless said otherwise."""
    def m(sid: str, **kw) -> dict:
        return main(sid, [(0, 0), (100, 0)], **({"courtyard": "乙小区"} | kw))
    return city_factory([
        m("CI", material="grey_cast_iron"),
        m("DI", material="ductile_iron", install_year=2008),
        m("DI-unfit", material="ductile_iron", install_year=2008, hazard_assessed=True),
        m("DI-fit", material="ductile_iron", install_year=2008, hazard_assessed=False),
        m("ST-old-hazard", material="steel", install_year=2000, hazard_assessed=True),
        m("ST-old", material="steel", install_year=2000),
        m("ST-old-fine", material="steel", install_year=2000, hazard_assessed=False),
        m("ST-young", material="steel", install_year=2015, hazard_assessed=True),
        m("ST-young-uncontrollable", material="steel", install_year=2015, hazard_assessed=True,
          hazard_controllable=False),
        m("ST-young-controlled", material="steel", install_year=2015, hazard_assessed=True,
          hazard_controllable=True),
        m("PE-young", material="pe", install_year=2018),
        m("PE-built-over", material="pe", install_year=2018, occupied=True),
        m("RISER-old", material="steel", install_year=1998, pipe_kind="riser"),
        m("PE-leak", material="pe", install_year=2004),
        m("UNKNOWN", material=None),
        m("NOYEAR", material="steel", install_year=None),
        m("SWAPPED", pressure_class="medium_a", pressure_mpa=0.15),
        m("ORPHAN", courtyard=None),
        m("ODDCLASS", pressure_class=None)])


def test_the_national_plan_decides_each_main(mixed):
    reg = mixed
    leaky = reg.query(layer="gas_mains", where="source_id = 'PE-leak'")["uuid"].iloc[0]
    reg.record_event(leaky, MaintenanceEvent(kind="leak", date="2025-06-01"), WHO)
    found = verdicts(renovation_scope(reg, year=YEAR))
    assert found == {
        "CI": ("replace", "灰口铸铁管：全部改造 (all grey cast iron)"),
        "DI": ("assess", "球墨铸铁管：需评估是否满足安全运行要求 (not yet assessed)"),
        "DI-unfit": ("replace", "球墨铸铁管：经评估不满足安全运行要求 (assessed unfit: "
                                "hazard_assessed)"),
        "DI-fit": ("keep", "球墨铸铁管：经评估满足安全运行要求 (assessed fit)"),
        "ST-old-hazard": ("replace", "steel in service 26 years (≥ 20), hazardous "
                                     "(hazard_assessed)"),
        "ST-old": ("assess", "steel in service 26 years (≥ 20), not yet assessed (需开展安全评估)"),
        "ST-old-fine": ("keep", "steel in service 26 years (≥ 20), assessed without hazard"),
        "ST-young": ("assess", "steel in service 11 years (< 20), hazard (hazard_assessed): "
                               "whether it can be controlled is not assessed"),
        "ST-young-uncontrollable": ("replace", "steel in service 11 years (< 20), hazard "
                                    "(hazard_assessed) assessed uncontrollable (无法通过管控措施保障安全)"),
        "ST-young-controlled": ("keep", "steel in service 11 years (< 20), hazard "
                                "(hazard_assessed) controllable (落实管控措施)"),
        "PE-young": ("keep", "pe in service 8 years (< 20), no hazard recorded"),
        "PE-built-over": ("replace", "被建构筑物占压：改造 (built over)"),
        "RISER-old": ("assess", "立管 riser in service 28 years (≥ 20), not yet assessed "
                                "(需开展安全评估)"),
        "PE-leak": ("replace", "pe in service 22 years (≥ 20), hazardous (leak 2025-06-01)"),
        "UNKNOWN": ("assess", "material unknown: not covered by the rules, check the material "
                              "(材质待核查)"),
        "NOYEAR": ("assess", "steel: year laid unknown, age cannot be judged (建设年代待核查)"),
        "SWAPPED": ("replace", "灰口铸铁管：全部改造 (all grey cast iron)"),
        "ORPHAN": ("replace", "灰口铸铁管：全部改造 (all grey cast iron)"),
        "ODDCLASS": ("replace", "灰口铸铁管：全部改造 (all grey cast iron)"),
    }


def test_the_mains_waiting_for_an_assessment_are_listed_per_courtyard(mixed):
    waiting = renovation_scope(mixed, year=YEAR).to_assess()
    # DI, ST-old, ST-young, RISER-old, PE-leak (no leak recorded here), UNKNOWN, NOYEAR.
    assert waiting[["courtyard", "mains"]].values.tolist() == [["乙小区", 7]]
    assert waiting["km"].iloc[0] == pytest.approx(0.7, abs=0.01)
    assert "球墨铸铁管：需评估是否满足安全运行要求" in waiting["missing"].iloc[0]


@pytest.mark.parametrize(("mpa", "fits"), [(0.005, "low"), (0.01, "medium_b"),
                                          (0.2, "medium_b"), (0.3, "medium_a")])
def test_pressure_classes_follow_gb_50028(city_factory, mpa, fits):
    reg = city_factory([main("P", [(0, 0), (100, 0)], courtyard="乙小区", pressure_class="low",
                             pressure_mpa=mpa)])
    problems = [p for p in renovation_scope(reg, year=YEAR).problems if p["field"] == "pressure_mpa"]
    if fits == "low":
        assert problems == []
    else:
        assert problems[0]["reason"] == (f"{mpa:g} MPa does not fit low (P < 0.01 MPa); "
                                         f"it fits {fits}")


def test_unknown_values_are_reported_never_dropped(mixed):
    found = renovation_scope(mixed, year=YEAR)
    problems = {(p["source_id"], p["field"]): p["reason"] for p in found.problems}
    assert problems[("UNKNOWN", "material")].startswith("material unknown")
    assert problems[("NOYEAR", "install_year")].startswith("year laid unknown")
    assert problems[("SWAPPED", "pressure_mpa")] == ("0.15 MPa does not fit medium_a "
                                                      "(0.2 < P ≤ 0.4 MPa); it fits medium_b")
    assert problems[("ORPHAN", "courtyard")].startswith("no courtyard")
    assert problems[("ODDCLASS", "pressure_class")] == "pressure class unknown"
    assert all(p["asset"] for p in found.problems)
    assert len(found.segments) == 19  # every main is still counted


def test_courtyards_group_the_candidates_with_explained_scores(mixed):
    reg = mixed
    table = courtyard_candidates(reg, renovation_scope(reg, year=YEAR))
    assert sorted(table["courtyard"]) == sorted(["乙小区", NO_COURTYARD])
    assert table["score"].is_monotonic_decreasing
    row = table[table["courtyard"] == "乙小区"].to_dict("records")[0]
    # Replaced: CI, SWAPPED, ODDCLASS, DI-unfit, ST-old-hazard, ST-young-uncontrollable,
    # PE-built-over.
    assert row["segments"] == 7 and row["km"] == pytest.approx(0.7, abs=1e-3)
    assert row["materials"] == {"ductile_iron": 0.1, "grey_cast_iron": 0.3, "pe": 0.1,
                                "steel": 0.2}
    terms = {t["term"]: t for t in row["terms"]}
    assert set(terms) == {"material", "age", "leaks", "no_cathodic_protection", "households",
                          "drains"}
    likelihood = sum(t["score"] * t["weight"] for t in row["terms"]
                     if t["side"] == "likelihood") / 1.0
    assert row["likelihood"] == pytest.approx(likelihood, abs=1e-3)
    assert row["score"] == pytest.approx(100 * row["likelihood"] * row["consequence"], abs=0.1)
    assert explain(row).startswith(f"乙小区: {row['score']} = 100 × likelihood")


def test_drains_within_the_distance_of_a_main_in_scope_are_counted(city_factory):
    reg = city_factory([main("CI", [(0, 0), (100, 0)], courtyard="乙小区"),
                        main("PE", [(0, 300), (100, 300)], courtyard="乙小区", material="pe",
                             install_year=2015)])
    near = [(50, 5), (50, -9.5), (-6, 0), (100, 8)]
    far = [(50, 10.5), (112, 0), (50, 300), (50, 295)]  # beyond 10 m, or by the PE main only
    reg.add("drains", gpd.GeoDataFrame(geometry=[shapely.Point(at(*p)) for p in near + far],
                                       crs=4547), WHO)
    row = courtyard_candidates(reg, renovation_scope(reg, year=YEAR)).iloc[0]
    assert row["segments"] == 1 and row["drains"] == 4
    terms = {t["term"]: t for t in row["terms"]}
    assert terms["drains"]["value"] == pytest.approx(40.0, abs=0.01)  # 4 drains on 0.1 km


def test_households_per_courtyard_from_survey_else_valves(city_factory):
    reg = city_factory([main("CI", [(0, 0), (100, 0)])], buildings=LOOP_BUILDINGS)
    reg.add("safety_valves", gpd.GeoDataFrame(
        {"courtyard": ["甲小区", "乙小区", "乙小区", "乙小区", None],
         "building": ["b1", "c1", "c2", None, "c1"], "status": ["planned"] * 5},
        geometry=[shapely.Point(at(10, 10 + k)) for k in range(5)], crs=4547), WHO)
    expected = {"甲小区": 66, "乙小区": 2}  # the survey wins; valves with no building are not one
    assert courtyard_households(reg) == expected
    assert buildings(reg).groupby("courtyard")["households"].sum().to_dict() == expected
