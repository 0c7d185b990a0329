"""Cases on a PostGIS registry: the same life cycle, photos kept inside the case document
(base64) since the server may be another machine, and closing writes the asset's event."""
from __future__ import annotations

from cases.casekit import LAMP, asset_uuid, build_registry, file_case, run
from registry import Change
from registry.cases import Cases, Photo, Report

JPEG = b"\xff\xd8\xff\xe0" + b"\1" * 40


def test_life_cycle_and_photos_on_postgis(postgis_url: str) -> None:
    reg = build_registry(postgis_url)
    try:
        cases = Cases(reg)
        sent = cases.report(Report("street_vending", 114.42, 38.02, photos=[Photo(JPEG, "a.jpg")]),
                            Change(who="巡查员"))
        stored = reg.document("case", sent.id)["body"]["photos"][0]
        assert (stored["type"], stored["size"], stored["data"][:8]) == ("image/jpeg", 44, "/9j/4AEB")
        assert cases.photo(sent.id, 0) == (JPEG, "image/jpeg")
        case_id = file_case(cases, "lamp_out", LAMP, "2026-10-16 17:00")
        # Two working days from Friday 17:00: 1 h Friday, 7 h Monday, 6 h Tuesday → 17:00.
        assert cases.get(case_id).deadline == "2026-10-20T09:00:00.000Z"
        run(cases, case_id, ("dispatch", "2026-10-16 17:05"), ("handle", "2026-10-19 10:00"),
            ("verify", "2026-10-19 11:00"), ("close", "2026-10-19 11:30"))
        lamp = asset_uuid(reg, "lamp_posts", "L1")
        assert [e["kind"] for e in reg.events(lamp)] == ["repair"]
        assert reg.get(lamp)["properties"]["condition"] == 1
        assert cases.get(case_id).on_time() is True
    finally:
        reg.close()
