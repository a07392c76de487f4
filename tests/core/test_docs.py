"""The interactive docs work offline: /api/docs loads only what the app itself serves."""
import re
from html.parser import HTMLParser

from core.web import SWAGGER_UI_FILES


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in ("src", "href") and value]


def _references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.found


def test_the_docs_page_references_only_assets_the_app_serves_with_their_types(client):
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assets = _references(html)
    assert {a.rsplit("/", 1)[-1] for a in assets} == {"swagger-ui.css", "swagger-ui-bundle.js",
                                                    "swagger-ui-standalone-preset.js"}
    assert not re.search(r"https?://|//cdn", html), "the page names another origin"
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset
        expected = "text/css" if asset.endswith(".css") else "text/javascript"
        assert response.mimetype == expected, (asset, response.content_type)
        assert len(response.data) > 1000
        assert "immutable" in response.headers["Cache-Control"]


def test_the_docs_page_reads_the_document_here_and_sends_it_to_no_validator(client):
    html = client.get("/api/docs").get_data(as_text=True)
    assert 'url: "/api/openapi.json"' in html
    assert '"validatorUrl": null' in html


def test_only_the_pages_own_swagger_ui_files_are_served(client):
    page_assets = _references(client.get("/api/docs").get_data(as_text=True))
    base = page_assets[0].rsplit("/", 1)[0]
    assert client.get(f"{base}/index.html").status_code == 404
    assert client.get(f"{base}/../VERSION").status_code == 404
    other_version = base.rsplit("/", 1)[0] + "/0.0.1"
    assert client.get(f"{other_version}/swagger-ui.css").status_code == 404
    assert set(SWAGGER_UI_FILES) == {a.rsplit("/", 1)[-1] for a in page_assets}


def test_the_root_is_a_page_linking_the_docs_the_document_and_the_probes(client):
    page = client.get("/")
    assert page.status_code == 200 and page.content_type == "text/html; charset=utf-8"
    links = _references(page.get_data(as_text=True))
    assert {"/api/docs", "/api/openapi.json", "/healthz", "/readyz"} <= set(links)
    for link in links:
        assert client.get(link).status_code == 200, link
