"""Open311's XML stays well-formed whatever text is already stored."""
import xml.etree.ElementTree as ET

import pytest

from tests.community.requests.factories import CategoryFactory, Open311KeyFactory, ServiceRequestFactory
from tests.factories import BuildingFactory, CommunityFactory

BASE = "/open311/v2"
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
