"""Exported work packages: one RFC 7946 FeatureCollection of a crew's tasks, in order, each
with the asset's uuid, GB/T code, attributes, version and stamp, and the form as JSON Schema."""
from __future__ import annotations

import jsonschema
import orjson
import pytest

from registry import Change, Query
from registry.errors import NotFound
from registry.plans import packages, planner
from registry.plans.stamps import existing_key, verify
from plans.town import TODAY


@pytest.fixture()
def exported(town):
    plan = planner.propose(town.reg, Query("drains"), Change(who="王工"), crews=["一队"],
                           today=TODAY)
    package_id = plan["packages"][0]["id"]
    return package_id, packages.export(town.reg, package_id, "王工")


def test_the_package_is_one_feature_collection_in_task_order(town, exported):
    package_id, collection = exported
    assert collection["type"] == "FeatureCollection"
    assert collection["package"]["id"] == package_id and collection["package"]["crew"] == "一队"
    first = collection["features"][0]
    assert first["id"] == town["A"] and first["geometry"] == {
        "type": "Point", "coordinates": (114.5, 38.04)}
    props = first["properties"]
    assert [f["properties"]["task"] for f in collection["features"]] == [1, 2, 3, 4]
    assert props["gbt_code"] == "1301020104000001" and props["version"] == 1
    assert props["todo"].startswith("清掏收水井") and props["action"] == "cleaning"
    assert (props["condition"], props["road_name"], props["depth_m"]) == (5, "中山路", 1.2)
    assert {k: props[k] for k in packages.RESULT_FIELDS} == dict.fromkeys(packages.RESULT_FIELDS)
    orjson.dumps(collection)  # plain JSON all through


def test_each_version_is_stamped_for_this_package(town, exported):
    package_id, collection = exported
    props = collection["features"][0]["properties"]
    key = existing_key(town.reg)
    assert verify(key, package_id, props["uuid"], 1, props["stamp"])
    assert not verify(key, package_id, props["uuid"], 2, props["stamp"])
    assert not verify(key, package_id + "x", props["uuid"], 1, props["stamp"])


def test_the_form_is_a_json_schema_a_filled_task_meets(exported):
    _, collection = exported
    form = collection["form"]
    jsonschema.Draft202012Validator.check_schema(form)
    validator = jsonschema.Draft202012Validator(form)
    filled = collection["features"][0]["properties"] | {
        "done_kind": "cleaning", "done_date": "2026-06-03", "condition_after": 2, "notes": "清淤"}
    assert list(validator.iter_errors(filled)) == []
    wrong = filled | {"condition_after": 7, "done_kind": "painting"}
    assert sorted(e.validator for e in validator.iter_errors(wrong)) == ["enum", "maximum"]


def test_an_unknown_package_is_not_found(town):
    with pytest.raises(NotFound, match="no work package PLAN-nope"):
        packages.export(town.reg, "PLAN-nope", "王工")
