"""HTML views for people with a browser: f=html or an Accept header asking for HTML."""
from __future__ import annotations

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def page(client, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    return response.get_data(as_text=True)


def test_a_browser_gets_the_landing_page_as_html(client):
    html = page(client, "/ogcapi", **BROWSER)
    assert "城市部件普查登记" in html and 'href="/ogcapi/collections?f=html"' in html


def test_a_client_without_preference_gets_json(client):
    assert client.get("/ogcapi", headers={"Accept": "*/*"}).content_type == "application/json"


def test_collections_page_shows_chinese_layer_names(client):
    html = page(client, "/ogcapi/collections?f=html")
    for zh in ("收水井", "路灯", "庭院燃气管道", "责任网格"):
        assert zh in html


def test_collection_page_lists_fields_with_units(client):
    html = page(client, "/ogcapi/collections/drains?f=html")
    assert "井深 (m)" in html and "flat, vertical, combined" in html


def test_items_page_has_chinese_headers_counts_and_paging(client):
    html = page(client, "/ogcapi/collections/drains/items?f=html&limit=10&material=brick")
    assert "共 77 个，本页 10 个" in html
    assert "<th>部件编码</th>" in html and "<th>井体材质</th>" in html
    assert 'rel="next"' in html and "offset=10" in html
    assert "<td>中山路</td>" in html


def test_item_page_shows_one_asset(client, city):
    html = page(client, f"/ogcapi/collections/drains/items/{city.repaired_drain}?f=html")
    assert city.repaired_drain in html and "<th>状况等级</th><td>1</td>" in html
    assert "114.5036, 38.0336" in html


def test_queryables_and_conformance_pages(client):
    assert "箅子类型" in page(client, "/ogcapi/collections/drains/queryables?f=html")
    assert "conf/core" in page(client, "/ogcapi/conformance?f=html")
