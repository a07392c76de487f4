"""Hostile strings in every parameter of every Open311 endpoint (GeoReport v2 is not in the OpenAPI
document, so Schemathesis never calls it): never a 5xx, always a well-formed answer in the format
asked for, and errors in the spec's shape."""
import json
import xml.etree.ElementTree as ET
from urllib.parse import quote, unquote_to_bytes

import pytest

from tests.community.requests.factories import CategoryFactory, Open311KeyFactory
from tests.factories import BuildingFactory, CommunityFactory

BASE = "/open311/v2"
# What a URL or a form can carry, percent-encoded: controls, and bytes that are not UTF-8 (a lone
# surrogate's encoding among them). A JSON body can also carry escapes of lone surrogates.
URL_CLASSES = {
    "NUL": quote("a\x00b"),
    "C0": quote("a\x1b[2Jb\x08\x0b"),
    "C1": quote("a\x85b\x9f"),
    "not UTF-8": "a%FF%FEb%ED%A0%80",
}
JSON_CLASSES = {
    "NUL": '"a\\u0000b"',
    "C0": '"a\\u001b[2Jb\\b\\u000b"',
    "C1": '"a\\u0085b\\u009f"',
    "lone surrogate": '"a\\ud800b\\udfff"',
    "deep": "[" * 5000 + "]" * 5000,
}
VALID = {"jurisdiction_id": "garden", "api_key": "city-key", "service_code": "streetlight",
         "address_string": "东门", "description": "灯不亮"}
READ = {
    "/discovery": [],
    "/services": ["jurisdiction_id", "api_key"],
    "/services/streetlight": ["jurisdiction_id", "api_key"],
    "/requests": ["jurisdiction_id", "api_key", "service_request_id", "service_code", "status", "start_date",
                  "end_date", "page", "page_size"],
    "/requests/1": ["jurisdiction_id", "api_key"],
    "/tokens/1": ["jurisdiction_id", "api_key"],
}
POSTED = ["jurisdiction_id", "api_key", "service_code", "description", "lat", "long", "lng", "address_string",
          "address_id", "media_url", "first_name", "last_name", "email", "phone", "device_id", "account_id",
          "attribute[room]", "attribute[room][]"]
PATHS = ["/services/{x}", "/service/{x}", "/requests/{x}", "/tokens/{x}", "/{x}"]
FORMATS = [".json", ".xml", ""]


@pytest.fixture
def city(connection):
    community = CommunityFactory(slug="garden")
    BuildingFactory(community=community)
    CategoryFactory(community=community, code="streetlight", fields=[
        {"code": "room", "label": "房间", "type": "text"}])
    Open311KeyFactory(community=community, raw="city-key")
    return community


def _assert_well_formed(response, fmt):
    assert response.status_code < 500, (response.request.url, response.data)
    if fmt == ".json":
        assert response.content_type == "application/json; charset=utf-8", response.content_type
        body = json.loads(response.data)
        if response.status_code >= 400:
            assert body and all(set(e) == {"code", "description"} for e in body), body
    else:
        assert response.content_type == "text/xml; charset=utf-8", response.content_type
        root = ET.fromstring(response.data)  # noqa: S314 - our own server's output, in a test
        if response.status_code >= 400:
            assert root.tag == "errors" and root.findall("error/description"), response.data


def _encoded(parameter: str, hostile: str) -> dict[str, str]:
    """The valid parameters with one replaced by a hostile value, all percent-encoded."""
    return {quote(k): quote(v) for k, v in VALID.items()} | {quote(parameter): hostile}


def _query(encoded: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in encoded.items())


def _multipart(encoded: dict[str, str]) -> bytes:
    parts = [b'--b\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
             % (unquote_to_bytes(k), unquote_to_bytes(v)) for k, v in encoded.items()]
    return b"".join(parts) + b"--b--\r\n"


@pytest.mark.parametrize("name", URL_CLASSES)
@pytest.mark.parametrize("path", READ)
def test_hostile_query_parameters_of_every_read(client, city, path, name):
    for fmt in FORMATS:
        for parameter in [*READ[path], "unread_parameter"]:
            query = _query(_encoded(parameter, URL_CLASSES[name]))
            _assert_well_formed(client.get(f"{BASE}{path}{fmt}?{query}"), fmt)


@pytest.mark.parametrize("name", URL_CLASSES)
@pytest.mark.parametrize("path", PATHS)
def test_hostile_path_segments(client, city, path, name):
    for fmt in FORMATS:
        url = f"{BASE}{path.format(x=URL_CLASSES[name])}{fmt}?jurisdiction_id=garden"
        _assert_well_formed(client.get(url), fmt)
        _assert_well_formed(client.post(url), fmt)


@pytest.mark.parametrize("name", URL_CLASSES)
@pytest.mark.parametrize("encoding", ["query", "form", "multipart"])
def test_hostile_fields_of_a_posted_request(client, city, encoding, name):
    for fmt in FORMATS:
        for field in POSTED:
            fields, url = _encoded(field, URL_CLASSES[name]), f"{BASE}/requests{fmt}"
            if encoding == "query":
                response = client.post(f"{url}?{_query(fields)}")
            elif encoding == "form":
                response = client.post(url, data=_query(fields), content_type="application/x-www-form-urlencoded")
            else:
                response = client.post(url, data=_multipart(fields), content_type="multipart/form-data; boundary=b")
            _assert_well_formed(response, fmt)


@pytest.mark.parametrize("name", JSON_CLASSES)
def test_hostile_json_bodies_of_a_posted_request(client, city, name):
    for fmt in FORMATS:
        for field in POSTED:
            body = json.dumps({**VALID, field: "@@"}).replace('"@@"', JSON_CLASSES[name])
            _assert_well_formed(client.post(f"{BASE}/requests{fmt}", data=body, content_type="application/json"), fmt)
        whole = JSON_CLASSES[name]
        _assert_well_formed(client.post(f"{BASE}/requests{fmt}", data=whole, content_type="application/json"), fmt)
