"""Request and response shapes of announcements."""

import marshmallow as ma

from community.announcements.models import AnnouncementState
from core.models import utcnow
from core.web import Id, Moment

MAX_BUILDINGS = 200



class AnnouncementBuildingSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class AnnouncementCreateSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=5000))
    emergency = ma.fields.Boolean(load_default=False)
    building_ids = ma.fields.List(
        Id(), load_default=list, validate=ma.validate.Length(max=MAX_BUILDINGS),
        metadata={"description": "Buildings it is for; empty means the whole community."},
    )
    publish_at = Moment(allow_none=True, metadata={"description": "When it goes live; now if omitted."})
    expires_at = Moment(allow_none=True, metadata={"description": "When it leaves the feed; never if omitted."})


class AnnouncementSchema(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    title = ma.fields.String()
    body = ma.fields.String()
    emergency = ma.fields.Boolean()
    pinned = ma.fields.Function(lambda a: a.pinned_at(utcnow()), metadata={"type": "boolean"})
    state = ma.fields.Function(
        lambda a: str(a.state_at(utcnow())),
        metadata={"type": "string", "enum": [s.value for s in AnnouncementState]},
    )
    buildings = ma.fields.List(ma.fields.Nested(AnnouncementBuildingSchema))
    publish_at = ma.fields.AwareDateTime()
    expires_at = ma.fields.AwareDateTime(allow_none=True)
    read = ma.fields.Function(lambda a: a.read_at is not None, metadata={"type": "boolean"})
    read_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class AnnouncementFilterSchema(ma.Schema):
    state = ma.fields.String(
        validate=ma.validate.OneOf([s.value for s in AnnouncementState]),
        metadata={"description": "Managers only see more than live ones."},
    )


class AnnouncementReadStatsSchema(ma.Schema):
    announcement_id = ma.fields.Integer(required=True)
    audience_size = ma.fields.Integer(required=True)
    read_count = ma.fields.Integer(required=True)
