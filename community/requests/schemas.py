"""Request and response shapes of service requests, categories, statistics and settings."""
from datetime import timedelta

import marshmallow as ma

from community.requests.models import FieldType, LocationKind, Status
from community.requests.policy import Permission
from community.requests.states import Action
from core.auth import current_actor
from core.policy import allows
from core.web import MAX_ID, Id

MAX_MINUTES = 366 * 24 * 60
RATING_REASONS = ("on_time", "late", "polite", "impolite", "fixed_well", "not_fixed", "tidy", "messy", "other")
SORTS = ("created_at", "status", "category", "assignee", "breach", "deadline")
_code = ma.validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$", error="Use 1 to 40 letters, digits, '_' or '-'.")
_field_code = ma.validate.Regexp(r"^[A-Za-z][A-Za-z0-9_]{0,39}$",
                                 error="Start with a letter; use letters, digits or '_' (at most 40).")
_choice_types = (FieldType.SINGLE_CHOICE, FieldType.MULTI_CHOICE)


class FieldOptionSchema(ma.Schema):
    key = ma.fields.String(required=True, validate=_code)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))


class CategoryFieldSchema(ma.Schema):
    """An extra question a category asks when a request is filed."""

    code = ma.fields.String(required=True, validate=_field_code)
    label = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    type = ma.fields.String(required=True, validate=ma.validate.OneOf([t.value for t in FieldType]))
    required = ma.fields.Boolean(load_default=False)
    options = ma.fields.List(ma.fields.Nested(FieldOptionSchema), load_default=list,
                             validate=ma.validate.Length(max=50))
    hint = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))

    @ma.validates_schema
    def _options_fit_the_type(self, data, **kwargs):
        if data.get("type") in _choice_types:
            keys = [o["key"] for o in data.get("options", [])]
            if not keys:
                raise ma.ValidationError("A choice needs options.", "options")
            if len(set(keys)) != len(keys):
                raise ma.ValidationError("Option keys must be unique.", "options")
        elif data.get("options"):
            raise ma.ValidationError("Only choices have options.", "options")


class _CategoryFields(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=80))
    code = ma.fields.String(validate=_code, metadata={"description": "Also the Open311 service_code"})
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))
    group = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=60))
    is_emergency = ma.fields.Boolean()
    fields = ma.fields.List(ma.fields.Nested(CategoryFieldSchema), validate=ma.validate.Length(max=20))
    assignee_role = ma.fields.String(validate=ma.validate.OneOf(["maintenance", "manager"]),
                                     metadata={"description": "The staff group that handles this category"})
    default_assignee_id = Id(allow_none=True)
    auto_assign = ma.fields.Boolean(metadata={"description": "Assign new requests to the default assignee, "
                                                             "else to the least busy member of the group"})
    first_response_minutes = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_MINUTES))
    resolution_minutes = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_MINUTES))

    @ma.validates_schema
    def _field_codes_are_unique(self, data, **kwargs):
        codes = [f["code"] for f in data.get("fields") or []]
        if len(set(codes)) != len(codes):
            raise ma.ValidationError("Field codes must be unique.", "fields")


class CategorySchema(_CategoryFields):
    id = ma.fields.Integer(dump_only=True)
    community_id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    code = ma.fields.String(required=True, validate=_code, metadata={"description": "Also the Open311 service_code"})
    is_emergency = ma.fields.Boolean(load_default=False)
    fields = ma.fields.List(ma.fields.Nested(CategoryFieldSchema), load_default=list,
                            validate=ma.validate.Length(max=20))
    assignee_role = ma.fields.String(load_default="maintenance", validate=ma.validate.OneOf(["maintenance", "manager"]))
    auto_assign = ma.fields.Boolean(load_default=True)
    active = ma.fields.Boolean(dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)


class CategoryUpdateSchema(_CategoryFields):
    active = ma.fields.Boolean(metadata={"description": "false archives the category"})


class CategoryFilterSchema(ma.Schema):
    include_inactive = ma.fields.Boolean(load_default=False)


class LocationSchema(ma.Schema):
    """Where: one's own unit, a common area (named, maybe in a building), or a point on the map."""

    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in LocationKind]))
    unit_id = Id(allow_none=True, metadata={"description": "unit: one of the filer's units (default: the only one)"})
    building_id = Id(allow_none=True)
    place = ma.fields.String(allow_none=True, validate=ma.validate.Length(min=1, max=255))
    latitude = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=-180, max=180))

    @ma.validates_schema
    def _complete_for_its_kind(self, data, **kwargs):
        if data.get("kind") == LocationKind.COMMON_AREA and not data.get("place"):
            raise ma.ValidationError("Name the common area.", "place")
        if data.get("kind") == LocationKind.POINT and (data.get("latitude") is None or data.get("longitude") is None):
            raise ma.ValidationError("A point needs latitude and longitude.", "latitude")


class FileRequestSchema(ma.Schema):
    category_id = Id(required=True)
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4000))
    location = ma.fields.Nested(LocationSchema, required=True)
    photos = ma.fields.List(
        ma.fields.Url(schemes={"http", "https"}, validate=ma.validate.Length(max=500)),
        load_default=list, validate=ma.validate.Length(max=9),
    )
    visit_from = ma.fields.AwareDateTime(allow_none=True)
    visit_to = ma.fields.AwareDateTime(allow_none=True)
    answers = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.Length(max=40)), values=ma.fields.Raw(),
                             load_default=dict, validate=ma.validate.Length(max=20),
                             metadata={"description": "Answers to the category's extra fields, by field code"})


class CategoryBriefSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    is_emergency = ma.fields.Boolean()


class StaffBriefSchema(ma.Schema):
    id = ma.fields.Integer()
    display_name = ma.fields.String()


class ServiceRequestSchema(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    category = ma.fields.Nested(CategoryBriefSchema)
    source = ma.fields.String()
    status = ma.fields.String()
    status_reason = ma.fields.String(allow_none=True)
    hold_until = ma.fields.Date(allow_none=True)
    description = ma.fields.String()
    location = ma.fields.Method("_location")
    photos = ma.fields.List(ma.fields.String())
    visit_from = ma.fields.AwareDateTime(allow_none=True)
    visit_to = ma.fields.AwareDateTime(allow_none=True)
    answers = ma.fields.Dict()
    requester = ma.fields.Method("_requester", metadata={
        "description": "Name and phone for the requester, managers and the assignee; else null"})
    reporter = ma.fields.Method("_reporter", metadata={"description": "Contact an Open311 client gave"})
    assignee = ma.fields.Nested(StaffBriefSchema, allow_none=True)
    first_response_due_at = ma.fields.AwareDateTime()
    resolution_due_at = ma.fields.AwareDateTime()
    first_responded_at = ma.fields.AwareDateTime(allow_none=True)
    resolved_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    breached = ma.fields.Boolean()
    first_response_breached_at = ma.fields.AwareDateTime(allow_none=True)
    resolution_breached_at = ma.fields.AwareDateTime(allow_none=True)
    reopen_count = ma.fields.Integer()
    duplicate_of_id = ma.fields.Integer(allow_none=True)
    rating = ma.fields.Method("_rating")
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()

    def _location(self, request) -> dict:
        return {
            "kind": request.location_kind,
            "unit_id": request.unit_id,
            "unit_number": request.unit.number if request.unit else None,
            "building_id": request.building_id,
            "building_name": request.building.name if request.building else None,
            "place": request.place,
            "latitude": request.latitude,
            "longitude": request.longitude,
        }

    def _requester(self, request) -> dict | None:
        person = request.requester
        if person is None or not allows(current_actor(), Permission.REQUEST_CONTACT_VIEW, request):
            return None
        return {"id": person.id, "display_name": person.display_name, "phone": person.phone, "email": person.email}

    def _reporter(self, request) -> dict | None:
        if request.source != "open311" or not allows(current_actor(), Permission.REQUEST_CONTACT_VIEW, request):
            return None
        return {"name": request.reporter_name, "email": request.reporter_email, "phone": request.reporter_phone}

    def _rating(self, request) -> dict | None:
        if request.rating is None:
            return None
        return {"score": request.rating, "reasons": request.rating_reasons or [], "comment": request.rating_comment,
                "rated_at": request.rated_at.isoformat() if request.rated_at else None}


class DuplicateSchema(ma.Schema):
    """An open request that may report the same problem (no one's personal data)."""

    id = ma.fields.Integer()
    category_id = ma.fields.Integer()
    status = ma.fields.String()
    location_kind = ma.fields.String()
    building_name = ma.fields.String(attribute="building.name", allow_none=True)
    place = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class FiledRequestSchema(ServiceRequestSchema):
    possible_duplicates = ma.fields.List(ma.fields.Nested(DuplicateSchema))


def _query_id() -> ma.fields.Integer:
    return ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID))


class QueueArgsSchema(ma.Schema):
    status = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf([s.value for s in Status])),
                            validate=ma.validate.Length(max=7))
    open = ma.fields.Boolean()
    category_id = _query_id()
    assignee_id = _query_id()
    unassigned = ma.fields.Boolean()
    breached = ma.fields.Boolean()
    building_id = _query_id()
    min_age_hours = ma.fields.Integer(validate=ma.validate.Range(min=0, max=100_000))
    sort = ma.fields.String(load_default="-created_at",
                            validate=ma.validate.OneOf([*SORTS, *(f"-{s}" for s in SORTS)]),
                            metadata={"description": "A key, '-' for descending; created_at is the age"})


class TransitionSchema(ma.Schema):
    action = ma.fields.String(required=True, validate=ma.validate.OneOf([a.value for a in Action]))
    reason = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))
    hold_until = ma.fields.Date(allow_none=True, metadata={"description": "hold: the day the hold ends"})


class AssignSchema(ma.Schema):
    assignee_id = Id(required=True, allow_none=True)


class CommentSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    request_id = ma.fields.Integer(dump_only=True)
    author = ma.fields.Nested(StaffBriefSchema, dump_only=True, allow_none=True)
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    internal = ma.fields.Boolean(load_default=False, metadata={"description": "Staff only; never shown to the "
                                                                             "requester"})
    created_at = ma.fields.AwareDateTime(dump_only=True)


class RatingSchema(ma.Schema):
    score = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=5))
    reasons = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(RATING_REASONS)), load_default=list,
                             validate=ma.validate.Length(max=len(RATING_REASONS)),
                             metadata={"description": "not_fixed with a score of 2 or less, within the reopen "
                                                      "window, reopens the request"})
    comment = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))


class MergeSchema(ma.Schema):
    original_id = Id(required=True)


class EventSchema(ma.Schema):
    id = ma.fields.Integer()
    action = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    data = ma.fields.Dict()
    actor = ma.fields.Nested(StaffBriefSchema, allow_none=True)
    created_at = ma.fields.AwareDateTime()


class StatsArgsSchema(ma.Schema):
    start = ma.fields.Date(data_key="from", metadata={"description": "First local day (default: 29 days before to)"})
    end = ma.fields.Date(data_key="to", metadata={"description": "Last local day, included (default: today)"})

    @ma.validates_schema
    def _a_bounded_range(self, data, **kwargs):
        start, end = data.get("start"), data.get("end")
        if start and end and (end < start or end - start > timedelta(days=366)):
            raise ma.ValidationError("'to' must be on or after 'from', at most 366 days later.", "to")


class CategoryStatsSchema(ma.Schema):
    category_id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    count = ma.fields.Integer()
    open = ma.fields.Integer()
    resolved = ma.fields.Integer()
    median_first_response_minutes = ma.fields.Float(allow_none=True)
    median_resolution_minutes = ma.fields.Float(allow_none=True)
    breached = ma.fields.Integer()
    breach_rate = ma.fields.Float(allow_none=True)
    average_rating = ma.fields.Float(allow_none=True)
    ratings = ma.fields.Integer()


class StatsSchema(ma.Schema):
    start = ma.fields.Date(data_key="from")
    end = ma.fields.Date(data_key="to")
    timezone = ma.fields.String()
    categories = ma.fields.List(ma.fields.Nested(CategoryStatsSchema))


class SettingsSchema(ma.Schema):
    community_id = ma.fields.Integer(dump_only=True)
    daily_limit_per_resident = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=100))
    daily_limit_per_open311_key = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=100_000))
    reopen_window_hours = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=720))
    duplicate_radius_m = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=2000))

