"""Open311 GeoReport v2, called the way published clients call it: `.xml`/`.json` suffixes,
`jurisdiction_id` in the query, form-encoded (or multipart) POSTs with `api_key`, parsed with xml.etree.
"""
import io
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from community.models import StaffRole
from community.requests.models import ServiceRequest
from core.models import utcnow
from tests.community.requests.factories import CategoryFactory, Open311KeyFactory, ServiceRequestFactory
from tests.conftest import bearer
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    ResidencyFactory,
    UnitFactory,
    current_session,
    staff_of,
)

BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
LEAK_FIELDS = [
    {"code": "room", "label": "哪个房间", "type": "single_choice", "required": True, "hint": "选一个",
     "options": [{"key": "kitchen", "name": "厨房"}, {"key": "bathroom", "name": "卫生间"}]},
    {"code": "extras", "label": "其他情况", "type": "multi_choice",
     "options": [{"key": "smell", "name": "有异味"}, {"key": "noise", "name": "有噪音"}]},
    {"code": "floors", "label": "影响几层", "type": "number"},
]


@pytest.fixture
def city(connection):
    community = CommunityFactory(slug="garden", name="花园小区", timezone="Asia/Shanghai")
    building = BuildingFactory(community=community, name="7号楼", latitude=31.2301, longitude=121.4701)
    home = ResidencyFactory(unit=UnitFactory(building=building, number="1203"))
    light = CategoryFactory(community=community, code="streetlight", name="路灯", group="公共设施",
                            description="路灯不亮或闪烁")
    leak = CategoryFactory(community=community, code="leak", name="漏水", fields=LEAK_FIELDS, group="维修")
    CategoryFactory(community=community, code="retired", name="旧类别", active=False)
    in_home = ServiceRequestFactory(category=leak, requester=home.user, location_kind="unit", place=None,
                                    unit_id=home.unit_id, building_id=building.id, description="卫生间天花板渗水",
                                    photos=["https://img.example.cn/private.jpg"], status="on_hold",
                                    status_reason="等楼上住户", hold_until=(utcnow() + timedelta(days=3)).date())
    outside = ServiceRequestFactory(category=light, location_kind="point", place="东门", latitude=31.2299,
                                    longitude=121.4699, status="resolved", status_reason="已更换灯泡",
                                    resolved_at=utcnow(), photos=["https://img.example.cn/lamp.jpg"])
    return {"community": community, "building": building, "home": home, "light": light, "leak": leak,
            "in_home": in_home, "outside": outside, "key": Open311KeyFactory(community=community, raw="city-key"),
            "manager": staff_of(community)}


def _xml(response):
    assert response.content_type == "text/xml; charset=utf-8", response.content_type
    assert response.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.data)  # noqa: S314 - our own server's output, in a test


def _json(response):
    assert response.content_type == "application/json; charset=utf-8", response.content_type
    return response.json


def _errors(response, status):
    assert response.status_code == status, response.data
    if response.content_type.startswith("text/xml"):
        root = _xml(response)
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]
    return [(e["code"], e["description"]) for e in _json(response)]


def _post(client, path="/requests.xml", **fields):
    body = {"api_key": "city-key", "jurisdiction_id": "garden", "service_code": "streetlight", **fields}
    return client.post(BASE + path, data=urlencode(body, doseq=True), content_type=FORM)


def test_discovery_names_the_endpoint_and_both_formats(client):
    as_json = _json(client.get(f"{BASE}/discovery.json"))
    (endpoint,) = as_json["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["formats"] == ["text/xml", "application/json"]
    root = _xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery" and root.findtext("changeset") and root.findtext("key_service")
    assert [f.text for f in root.find("endpoints/endpoint/formats").findall("format")] == [
        "text/xml", "application/json"]


def test_services_list_the_active_categories_in_xml_and_json(client, city):
    root = _xml(client.get(f"{BASE}/services.xml?jurisdiction_id=garden"))
    assert root.tag == "services"
    services = {s.findtext("service_code"): s for s in root.findall("service")}
    assert set(services) == {"leak", "streetlight"}
    assert services["leak"].findtext("metadata") == "true" and services["streetlight"].findtext("metadata") == "false"
    assert services["streetlight"].findtext("type") == "realtime"
    assert services["streetlight"].findtext("group") == "公共设施"
    as_json = _json(client.get(f"{BASE}/services.json?jurisdiction_id=garden"))
    assert [s["service_code"] for s in as_json] == ["leak", "streetlight"]
    assert as_json[1] == {"service_code": "streetlight", "service_name": "路灯", "description": "路灯不亮或闪烁",
                          "metadata": False, "type": "realtime", "keywords": None, "group": "公共设施"}
    # No suffix: XML, the format the spec requires.
    assert _xml(client.get(f"{BASE}/services?jurisdiction_id=garden")).tag == "services"


def test_a_service_definition_lists_attributes_with_their_values(client, city):
    root = _xml(client.get(f"{BASE}/services/leak.xml?jurisdiction_id=garden"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "leak"
    attributes = root.findall("attributes/attribute")
    assert [(a.findtext("code"), a.findtext("datatype"), a.findtext("required"), a.findtext("order"))
            for a in attributes] == [("room", "singlevaluelist", "true", "1"),
                                     ("extras", "multivaluelist", "false", "2"),
                                     ("floors", "number", "false", "3")]
    assert attributes[0].findtext("variable") == "true" and attributes[0].findtext("description") == "哪个房间"
    assert [(v.findtext("key"), v.findtext("name")) for v in attributes[0].findall("values/value")] == [
        ("kitchen", "厨房"), ("bathroom", "卫生间")]
    as_json = _json(client.get(f"{BASE}/services/leak.json?jurisdiction_id=garden"))
    assert as_json["attributes"][0]["values"][1] == {"key": "bathroom", "name": "卫生间"}
    assert as_json["attributes"][0]["datatype_description"] == "选一个"
    # python open311 1.1 asks for service/<code> (singular).
    assert _xml(client.get(f"{BASE}/service/leak.xml?jurisdiction_id=garden")).findtext("service_code") == "leak"
    assert _errors(client.get(f"{BASE}/services/retired.json?jurisdiction_id=garden"), 404)


@pytest.mark.parametrize("path", ["/services", "/services/leak", "/requests", "/requests/1", "/tokens/1"])
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_jurisdiction_id_is_required_and_must_exist(client, city, path, fmt):
    missing = _errors(client.get(f"{BASE}{path}.{fmt}"), 400)
    assert missing[0][0] == 400 and "jurisdiction_id" in missing[0][1]
    assert _errors(client.get(f"{BASE}{path}.{fmt}?jurisdiction_id=nowhere"), 404)[0][0] == 404
    assert _errors(client.get(f"{BASE}{path}.{fmt}?jurisdiction_id="), 400)


def test_a_city_system_posts_form_encoded_and_managers_handle_the_same_request(client, city, run_jobs):
    # As the Ruby gem and FixMyStreet send it (an empty last_name included).
    response = _post(client, service_code="leak", lat="31.2300", long="121.4700", address_string="7号楼东侧绿地",
                     email="citizen@example.cn", first_name="王", last_name="", phone="12345",
                     description="地下管道冒水", media_url="https://img.example.cn/water.jpg", device_id="tt222111",
                     account_id="12345", **{"attribute[room]": "kitchen", "attribute[extras][]": ["noise", "smell"],
                                            "attribute[floors]": "2"})
    assert response.status_code == 200, response.data
    root = _xml(response)
    assert root.tag == "service_requests"
    request_id = int(root.findtext("request/service_request_id"))
    assert root.find("request/token") is None and root.findtext("request/service_notice")

    manager = bearer(city["manager"].id)
    seen = client.get(f"/api/communities/{city['community'].id}/service-requests/{request_id}", headers=manager).json
    assert seen["source"] == "open311" and seen["status"] == "new" and seen["requester"] is None
    assert seen["reporter"] == {"name": "王", "email": "citizen@example.cn", "phone": "12345"}
    assert seen["answers"] == {"room": "kitchen", "extras": ["smell", "noise"], "floors": 2}
    assert seen["photos"] == ["https://img.example.cn/water.jpg"]
    assert seen["location"]["kind"] == "point" and seen["location"]["place"] == "7号楼东侧绿地"

    client.post(f"/api/communities/{city['community'].id}/service-requests/{request_id}/transitions",
                json={"action": "start"}, headers=manager)
    client.post(f"/api/communities/{city['community'].id}/service-requests/{request_id}/transitions",
                json={"action": "resolve", "reason": "已修好管道"}, headers=manager)
    (item,) = _json(client.get(f"{BASE}/requests/{request_id}.json?jurisdiction_id=garden"))
    assert item["status"] == "closed" and item["status_notes"] == "resolved: 已修好管道"
    assert item["description"] == "地下管道冒水" and item["media_url"] == "https://img.example.cn/water.jpg"
    assert "citizen@example.cn" not in str(item) and "12345" not in str(item)
    run_jobs()
    inbox = client.get("/api/me/notifications", headers=manager).json["items"]
    assert "service_request.new" in {n["kind"] for n in inbox}


def test_json_posts_answer_a_bare_list(client, city):
    response = _post(client, "/requests.json", address_string="小区南门", description="路灯闪烁")
    assert response.status_code == 200
    (answer,) = _json(response)
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert isinstance(answer["service_request_id"], int) and answer["account_id"] is None


def test_multipart_posts_with_an_uploaded_photo_and_lng_are_accepted(client, city):
    # python `three` and GeoReporter send the photo itself as a `media` part; some clients say `lng`.
    response = client.post(f"{BASE}/requests.json", content_type="multipart/form-data", data={
        "api_key": "city-key", "jurisdiction_id": "garden", "service_code": "streetlight", "lat": "31.23",
        "lng": "121.47", "description": "灯不亮", "media": (io.BytesIO(b"\x89PNG..."), "photo.png"),
    })
    assert response.status_code == 200, response.data


def test_address_id_is_a_building_of_the_jurisdiction(client, city):
    response = _post(client, "/requests.json", address_id=str(city["building"].id))
    assert response.status_code == 200
    (item,) = _json(client.get(f"{BASE}/requests/{response.json[0]['service_request_id']}.json?"
                               "jurisdiction_id=garden"))
    assert item["address_id"] == city["building"].id and item["address"] == "7号楼"
    assert _errors(_post(client, "/requests.json", address_id="999999999"), 400)


@pytest.mark.parametrize("fields, status, words", [
    ({"api_key": ""}, 403, "api_key"),
    ({"api_key": "wrong"}, 403, "api_key"),
    ({"service_code": ""}, 400, "service_code"),
    ({"service_code": "nope"}, 404, "service_code"),
    ({"service_code": "retired"}, 404, "service_code"),
    ({}, 400, "address_string"),  # no location at all
    ({"lat": "31.2"}, 400, "long"),
    ({"lat": "north", "long": "121"}, 400, "lat"),
    ({"lat": "95", "long": "121"}, 400, "lat"),
    ({"service_code": "leak", "address_string": "x"}, 400, "attribute[room]"),
    ({"service_code": "leak", "address_string": "x", "attribute[room]": "garage"}, 400, "attribute[room]"),
    ({"address_string": "x", "description": "x" * 4001}, 400, "description"),
    ({"address_string": "x", "media_url": "javascript:alert(1)"}, 400, "media_url"),
])
def test_bad_posts_get_the_spec_s_errors(client, city, fields, status, words):
    body = {"address_string": None, **fields}
    errors = _errors(_post(client, **{k: v for k, v in body.items() if v is not None}), status)
    assert errors[0][0] == status and words in " ".join(d for _, d in errors), errors


def test_keys_belong_to_one_community_and_stop_working_when_revoked(client, city):
    other = CommunityFactory(slug="elsewhere")
    CategoryFactory(community=other, code="streetlight")
    Open311KeyFactory(community=other, raw="elsewhere-key")
    assert _errors(_post(client, api_key="elsewhere-key", address_string="x"), 403)
    assert _post(client, jurisdiction_id="elsewhere", api_key="elsewhere-key", address_string="x").status_code == 200
    manager = bearer(city["manager"].id)
    assert client.delete(f"/api/communities/{city['community'].id}/open311-keys/{city['key'].id}",
                         headers=manager).status_code == 204
    assert _errors(_post(client, address_string="x"), 403)



def test_without_jurisdiction_id_the_api_key_names_its_community(client, city):
    # OneBusAway's client sends no jurisdiction_id: the spec asks for it only of endpoints that
    # serve several jurisdictions, and the key was issued by exactly one community.
    other = CommunityFactory(slug="elsewhere")
    CategoryFactory(community=other, code="pothole")
    Open311KeyFactory(community=other, raw="elsewhere-key")
    body = {"api_key": "city-key", "service_code": "streetlight", "address_string": "东门"}
    filed = client.post(f"{BASE}/requests.json", data=urlencode(body), content_type=FORM)
    (receipt,) = _json(filed)
    assert current_session().get(ServiceRequest, receipt["service_request_id"]).community_id == city["community"].id
    codes = [s["service_code"] for s in _json(client.get(f"{BASE}/services.json?api_key=elsewhere-key"))]
    assert codes == ["pothole"]
    for unknown in ("api_key=nobody-s-key", ""):
        assert _errors(client.get(f"{BASE}/services.json?{unknown}"), 400)[0][0] == 400

def test_a_key_s_daily_limit_holds(client, city):
    client.patch(f"/api/communities/{city['community'].id}/service-request-settings",
                 json={"daily_limit_per_open311_key": 2}, headers=bearer(city["manager"].id))
    assert [_post(client, "/requests.json", address_string="x").status_code for _ in range(3)] == [200, 200, 429]


def test_a_key_past_its_daily_limit_is_told_when_to_retry(client, city):
    client.patch(f"/api/communities/{city['community'].id}/service-request-settings",
                 json={"daily_limit_per_open311_key": 1}, headers=bearer(city["manager"].id))
    _post(client, "/requests.json", address_string="x")
    refused = _post(client, "/requests.json", address_string="x")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 25 * 3600  # until the community's midnight


def test_requests_are_public_without_anyone_s_personal_data(client, city):
    root = _xml(client.get(f"{BASE}/requests.xml?jurisdiction_id=garden"))
    assert root.tag == "service_requests"
    items = {int(r.findtext("service_request_id")): r for r in root.findall("request")}
    assert set(items) == {city["in_home"].id, city["outside"].id}
    home = items[city["in_home"].id]
    assert home.findtext("status") == "open"
    assert home.findtext("status_notes").startswith("on_hold until ") and "等楼上住户" in home.findtext("status_notes")
    assert home.findtext("address") == "7号楼" and home.findtext("lat") == "31.2301"
    assert not home.findtext("description") and not home.findtext("media_url")
    assert home.findtext("requested_datetime").endswith("+08:00")
    text = client.get(f"{BASE}/requests.json?jurisdiction_id=garden").get_data(as_text=True)
    person = city["home"].user
    for private in ("1203", person.phone, person.email, person.display_name, "卫生间天花板渗水", "private.jpg"):
        assert private not in text, private
    outside = items[city["outside"].id]
    assert outside.findtext("status") == "closed" and outside.findtext("status_notes") == "resolved: 已更换灯泡"
    assert outside.findtext("description") == "楼道灯不亮" and outside.findtext("long") == "121.4699"


def test_requests_filter_as_the_spec_says(client, city):
    old = ServiceRequestFactory(category=city["light"], created_at=utcnow() - timedelta(days=120))

    def ids(query):
        response = client.get(f"{BASE}/requests.json?jurisdiction_id=garden&{query}")
        assert response.status_code == 200, response.data
        return {r["service_request_id"] for r in response.json}

    in_home, outside = city["in_home"].id, city["outside"].id
    assert ids("") == {in_home, outside}  # the last 90 days
    assert ids("status=open") == {in_home} and ids("status=closed") == {outside}
    assert ids("status=open,closed") == {in_home, outside}
    assert ids("service_code=streetlight") == {outside} and ids("service_code=leak,streetlight") == {in_home, outside}
    assert ids(f"service_request_id={old.id},{in_home}&status=closed") == {old.id, in_home}  # ids override
    start = (utcnow() - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (utcnow() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"start_date={start}&end_date={end}") == {old.id}
    assert ids(f"start_date={start}") == {old.id}
    assert ids("page_size=1") | ids("page_size=1&page=2") == {in_home, outside} and len(ids("page_size=1")) == 1
    too_long = (utcnow() - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for bad in (f"start_date={too_long}&end_date={end}", "start_date=yesterday", "status=pending",
                "service_request_id=abc", "page_size=5000"):
        assert _errors(client.get(f"{BASE}/requests.xml?jurisdiction_id=garden&{bad}"), 400), bad


def test_one_request_and_its_token_are_read_within_their_jurisdiction(client, city):
    other = CommunityFactory(slug="elsewhere")
    theirs = ServiceRequestFactory(category=CategoryFactory(community=other))
    rid = city["outside"].id
    (item,) = _xml(client.get(f"{BASE}/requests/{rid}.xml?jurisdiction_id=garden")).findall("request")
    assert int(item.findtext("service_request_id")) == rid
    assert _errors(client.get(f"{BASE}/requests/{theirs.id}.xml?jurisdiction_id=garden"), 404)
    assert _errors(client.get(f"{BASE}/requests/abc.json?jurisdiction_id=garden"), 404)
    token = _xml(client.get(f"{BASE}/tokens/{rid}.xml?jurisdiction_id=garden"))
    assert token.findtext("request/service_request_id") == str(rid) and token.findtext("request/token") == str(rid)
    assert _errors(client.get(f"{BASE}/tokens/{theirs.id}.json?jurisdiction_id=garden"), 404)


def test_a_base_url_ending_in_a_slash_still_works(client, city):
    # GeoReporter and python open311 append "/requests.json" to the configured base URL.
    listed = client.get(f"{BASE}//services.json?jurisdiction_id=garden")
    assert listed.status_code == 200 and len(listed.json) == 2
    posted = _post(client, "//requests.json", address_string="x")
    assert posted.status_code == 200, posted.data


def test_unknown_resources_and_formats_answer_in_the_spec_s_shape(client, city):
    assert _errors(client.get(f"{BASE}/nothing.json"), 404)
    assert _errors(client.get(f"{BASE}/services.html?jurisdiction_id=garden"), 404)


def test_requests_filed_through_the_app_and_open311_share_one_queue(client, city):
    _post(client, address_string="西门")
    maintenance = staff_of(city["community"], StaffRole.MAINTENANCE)
    queue = client.get(f"/api/communities/{city['community'].id}/service-requests?open=true",
                       headers=bearer(maintenance.id)).json
    assert {r["source"] for r in queue["items"]} == {"open311", "app"}
    assert all(r["reporter"] is None for r in queue["items"])  # not theirs to contact
