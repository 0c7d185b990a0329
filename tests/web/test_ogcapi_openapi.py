"""The OpenAPI 3.0 document: valid, and describing every endpoint and parameter."""
from __future__ import annotations

from openapi_spec_validator import validate


def test_the_document_is_valid_openapi_3(client):
    response = client.get("/ogcapi/openapi")
    assert response.content_type == "application/vnd.oai.openapi+json;version=3.0"
    validate(response.get_json())


def test_every_layer_has_its_four_paths(client, city):
    paths = client.get("/ogcapi/openapi").get_json()["paths"]
    for layer in city.counts:
        base = f"/collections/{layer}"
        assert {base, f"{base}/items", f"{base}/items/{{featureId}}", f"{base}/queryables"} <= \
            set(paths)
    assert {"/", "/conformance", "/openapi", "/collections"} <= set(paths)


def test_items_list_the_standard_and_property_parameters(client):
    doc = client.get("/ogcapi/openapi").get_json()
    parameters = doc["paths"]["/collections/gas_mains/items"]["get"]["parameters"]
    refs = {p["$ref"].rsplit("/", 1)[1] for p in parameters if "$ref" in p}
    named = {p["name"]: p for p in parameters if "name" in p}
    assert refs == {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter",
                    "filter-lang", "filter-crs"}
    assert named["material"]["schema"]["enum"] == ["grey_cast_iron", "ductile_iron", "steel",
                                                   "pe", "other"]
    assert named["hazard_assessed"]["schema"]["type"] == "boolean"
    assert doc["components"]["parameters"]["limit"]["schema"]["maximum"] == 10_000


def test_the_server_is_the_api_root(client):
    assert client.get("/ogcapi/openapi").get_json()["servers"] == [
        {"url": "http://localhost/ogcapi"}]
