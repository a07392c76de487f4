"""Open311 refuses what cannot be stored in the spec's own errors (400 naming the parameter, 404 for
a path), and its XML stays well-formed whatever text is already stored."""
import json
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlencode

import pytest

from community.requests.models import ServiceRequest
from tests.community.requests.factories import CategoryFactory, Open311KeyFactory, ServiceRequestFactory
from tests.factories import BuildingFactory, CommunityFactory, current_session

BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
CONTROLS = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85"]
CONTROL_IDS = ["NUL", "SOH", "BS", "VT", "ESC", "DEL", "NEL"]
# Characters XML 1.0 cannot carry that PostgreSQL can store (NUL it cannot).
NOT_XML = "\x01\x08\x0b\x0c\x1b\x1f\ufffe\uffff"
FIELDS = [{"code": "room", "label": f"房间{NOT_XML}", "type": "single_choice", "hint": f"选{NOT_XML}",
           "options": [{"key": "kitchen", "name": f"厨房{NOT_XML}"}]}]


@pytest.fixture
def city(connection):
    community = CommunityFactory(slug="garden", name=f"花园{NOT_XML}小区")
    building = BuildingFactory(community=community, name=f"7号楼{NOT_XML}")
    light = CategoryFactory(community=community, code="streetlight", name=f"路灯{NOT_XML}", group=f"公共{NOT_XML}",
                            description=f"不亮{NOT_XML}", fields=FIELDS)
    Open311KeyFactory(community=community, raw="city-key")
    return {"community": community, "building": building, "light": light}


def _errors(response, status, fmt):
    assert response.status_code == status, response.data
    if fmt == "xml":
        assert response.content_type == "text/xml; charset=utf-8"
        root = ET.fromstring(response.data)  # noqa: S314 - our own server's output, in a test
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]
    assert response.content_type == "application/json; charset=utf-8"
    return [(e["code"], e["description"]) for e in response.json]


def _post(client, fmt, **fields):
    body = {"api_key": "city-key", "jurisdiction_id": "garden", "service_code": "streetlight",
            "address_string": "东门", "description": "灯不亮", **fields}
    return client.post(f"{BASE}/requests.{fmt}", data=urlencode(body), content_type=FORM)


def _stored_requests():
    return current_session().query(ServiceRequest).count()


@pytest.mark.parametrize("char", CONTROLS, ids=CONTROL_IDS)
@pytest.mark.parametrize("path, parameter", [
    ("/services", "jurisdiction_id"), ("/services/streetlight", "jurisdiction_id"), ("/requests", "api_key"),
    ("/requests", "service_code"), ("/requests", "status"), ("/requests", "start_date"),
    ("/requests", "service_request_id"), ("/requests", "page"), ("/requests/1", "jurisdiction_id"),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_control_characters_in_query_parameters_are_400_naming_the_parameter(client, city, path, parameter, char,
                                                                             fmt):
    query = {"jurisdiction_id": "garden", parameter: f"1{char}"}
    ((code, description),) = _errors(client.get(f"{BASE}{path}.{fmt}?{urlencode(query)}"), 400, fmt)
    assert code == 400 and description.startswith(f"{parameter}:")


@pytest.mark.parametrize("char", CONTROLS, ids=CONTROL_IDS)
@pytest.mark.parametrize("field", ["description", "first_name", "last_name", "email", "phone", "address_string",
                                   "media_url", "attribute[room]", "device_id"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_control_characters_in_form_fields_are_400_naming_the_field_and_store_nothing(client, city, field, char,
                                                                                    fmt):
    ((code, description),) = _errors(_post(client, fmt, **{field: f"灯{char}不亮"}), 400, fmt)
    assert code == 400 and description.startswith(f"{field}:")
    assert _stored_requests() == 0


def test_control_characters_in_multipart_fields_are_refused_too(client, city):
    response = client.post(f"{BASE}/requests.json", content_type="multipart/form-data", data={
        "api_key": "city-key", "jurisdiction_id": "garden", "service_code": "streetlight", "address_string": "东门",
        "description": "灯\x00不亮"})
    assert _errors(response, 400, "json")[0][1].startswith("description:")
    assert _stored_requests() == 0


def test_tabs_and_line_breaks_in_a_description_are_kept(client, city):
    response = _post(client, "json", description="灯不亮\t\r\n已经三天")
    assert response.status_code == 200, response.data
    assert current_session().query(ServiceRequest).one().description == "灯不亮\t\r\n已经三天"


@pytest.mark.parametrize("path", ["/services/street{c}light", "/service/street{c}light", "/requests/1{c}",
                                  "/tokens/1{c}", "/requests{c}"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_control_characters_in_path_segments_are_404(client, city, path, fmt):
    url = f"{BASE}{path.format(c=quote(chr(0)))}.{fmt}?jurisdiction_id=garden"
    assert _errors(client.get(url), 404, fmt)[0][0] == 404


def test_a_control_character_in_a_parameter_name_still_makes_well_formed_xml(client, city):
    response = client.get(f"{BASE}/requests.xml?jurisdiction_id=garden&attribute%5Bro%01om%5D=1")
    ((code, description),) = _errors(response, 400, "xml")
    assert code == 400 and description.startswith("attribute[room]:")


@pytest.mark.parametrize("body, words", [
    ("[" * 1000 + "]" * 1000, ""),
    (json.dumps({"jurisdiction_id": "garden"}).replace("garden", "gar\\ud800den"), ""),
    (json.dumps({"jurisdiction_id": "garden", "api_key": "city-key", "service_code": "streetlight",
                 "address_string": "东门", "description": "灯\u0000不亮"}), "description:"),
], ids=["too deep", "lone surrogate", "NUL"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_json_bodies_from_lenient_clients_are_refused_in_the_specs_errors(client, city, body, words, fmt):
    response = client.post(f"{BASE}/requests.{fmt}", data=body, content_type="application/json")
    ((code, description),) = _errors(response, 400, fmt)
    assert code == 400 and description.startswith(words)
    assert _stored_requests() == 0


@pytest.fixture
def stored(city):
    """Text stored before the edge refused it (or by a job, a migration, a manager's old client)."""
    return ServiceRequestFactory(category=city["light"], location_kind="point", latitude=31.2, longitude=121.4,
                                 place=f"东门{NOT_XML}", description=f"灯{NOT_XML}不亮\t\n",
                                 status="resolved", status_reason=f"换了{NOT_XML}灯泡")


@pytest.mark.parametrize("path", ["/requests", "/requests/{id}", "/services", "/services/streetlight"])
def test_xml_stays_well_formed_whatever_text_is_stored(client, stored, path):
    response = client.get(f"{BASE}{path.format(id=stored.id)}.xml?jurisdiction_id=garden")
    assert response.status_code == 200
    root = ET.fromstring(response.data)  # noqa: S314 - our own server's output, in a test
    text = "".join(root.itertext())
    assert not any(ch in text for ch in NOT_XML)
    if path.startswith("/requests"):
        assert root.findtext("request/description") == "灯不亮\t\n"
        assert root.findtext("request/status_notes") == "resolved: 换了灯泡"
    elif path == "/services":
        assert root.findtext("service/service_name") == "路灯"
    else:
        assert root.findtext("attributes/attribute/values/value/name") == "厨房"


def test_json_keeps_stored_text_as_it_is(client, stored):
    (item,) = client.get(f"{BASE}/requests/{stored.id}.json?jurisdiction_id=garden").json
    assert item["description"] == f"灯{NOT_XML}不亮\t\n"
