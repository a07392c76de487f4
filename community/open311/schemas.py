"""The GeoReport v2 shapes of Linli's categories and requests, as plain data for JSON and XML alike."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import marshmallow as ma

from community.models import Community
from community.requests.models import FieldType, LocationKind, RequestCategory, ServiceRequest, Status
from core.timeutil import to_local

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DATATYPES = {
    FieldType.TEXT: "text",
    FieldType.NUMBER: "number",
    FieldType.DATE: "datetime",
    FieldType.SINGLE_CHOICE: "singlevaluelist",
    FieldType.MULTI_CHOICE: "multivaluelist",
}
# XML: the element each item of a list is wrapped in (the spec's Spark convention, reversed).
ITEM_ELEMENTS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}


def w3(moment: datetime | None, tz: str) -> str | None:
    """The spec's datetimes: ISO 8601 with the community's UTC offset."""
    return None if moment is None else to_local(moment, tz).isoformat(timespec="seconds")


def service(category: RequestCategory) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(category.fields),
        "type": "realtime",
        "keywords": None,
        "group": category.group,
    }


def service_definition(category: RequestCategory) -> dict[str, Any]:
    attributes = []
    for order, field in enumerate(category.fields or [], start=1):
        attribute = {
            "variable": True,
            "code": field["code"],
            "datatype": DATATYPES[field["type"]],
            "required": bool(field.get("required")),
            "datatype_description": field.get("hint"),
            "order": order,
            "description": field["label"],
        }
        if field["type"] in (FieldType.SINGLE_CHOICE, FieldType.MULTI_CHOICE):
            attribute["values"] = [{"key": o["key"], "name": o["name"]} for o in field["options"]]
        attributes.append(attribute)
    return {"service_code": category.code, "attributes": attributes}


def _status_notes(request: ServiceRequest) -> str:
    notes = request.status
    if request.status == Status.ON_HOLD and request.hold_until:
        notes += f" until {request.hold_until.isoformat()}"
    if request.status_reason:
        notes += f": {request.status_reason}"
    return notes


def service_request(request: ServiceRequest, community: Community) -> dict[str, Any]:
    """A request as anyone may read it: no requester, and a home is only its building.

    Requests about a resident's own flat also keep their description and photos private.
    """
    tz = community.timezone
    in_a_home = request.location_kind == LocationKind.UNIT
    building = request.building
    if request.location_kind == LocationKind.POINT:
        lat, long = request.latitude, request.longitude
    else:
        lat, long = (building.latitude, building.longitude) if building else (None, None)
    address = " ".join(p for p in (building.name if building else None,
                                   None if in_a_home else request.place) if p) or None
    return {
        "service_request_id": request.id,
        "status": "open" if request.is_open else "closed",
        "status_notes": _status_notes(request),
        "service_name": request.category.name,
        "service_code": request.category.code,
        "description": None if in_a_home else request.description,
        "agency_responsible": community.name,
        "service_notice": None,
        "requested_datetime": w3(request.created_at, tz),
        "updated_datetime": w3(request.updated_at, tz),
        "expected_datetime": w3(request.resolution_due_at, tz),
        "address": address,
        "address_id": request.building_id,
        "zipcode": None,
        "lat": lat,
        "long": long,
        "media_url": None if in_a_home or not request.photos else request.photos[0],
    }


def discovery(endpoint_url: str, changeset: str) -> dict[str, Any]:
    return {
        "changeset": changeset,
        "contact": "Linli: the community's property management office (物业服务中心).",
        "key_service": "API keys are issued by a community's managers in the Linli app "
                       "(POST /api/communities/{id}/open311-keys).",
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": endpoint_url,
            "changeset": changeset,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }

class Open311KeySchema(ma.Schema):
    """An API key as its managers see it (the key itself only in the response that issued it)."""

    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    prefix = ma.fields.String(dump_only=True)
    key = ma.fields.String(dump_only=True, metadata={"description": "The key itself: shown once, when issued"})
    revoked_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
