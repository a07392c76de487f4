"""Request and response shapes of amenity bookings."""
from __future__ import annotations

import itertools
import re
from datetime import date

import marshmallow as ma

from community.bookings.models import AmenityKind, BookingStatus
from community.schemas import UnitSchema
from core.web import MAX_ID, Id, Moment

# Bounds that keep every date and time far from the calendar's ends, where converting between
# zones would overflow.
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2100, 12, 31)
_day = ma.validate.Range(min=EARLIEST_DAY, max=LATEST_DAY)
_CLOCK = re.compile(r"^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$")


class Clock(ma.fields.String):
    """A wall-clock time "HH:MM" (00:00 to 24:00), held as minutes after local midnight."""

    def __init__(self, **kwargs):
        metadata = {"pattern": _CLOCK.pattern, "example": "06:30", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return f"{value // 60:02d}:{value % 60:02d}"

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not _CLOCK.match(text):
            raise ma.ValidationError("Use HH:MM, from 00:00 to 24:00.")
        hours, minutes = text.split(":")
        return int(hours) * 60 + int(minutes)


def _count(low: int, high: int, **kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=low, max=high), **kwargs)


class OpeningHoursSchema(ma.Schema):
    weekday = _count(1, 7, required=True, metadata={"description": "ISO weekday: 1 Monday … 7 Sunday"})
    opens_at = Clock(required=True, attribute="opens_minute")
    closes_at = Clock(required=True, attribute="closes_minute",
                      metadata={"description": "24:00 closes at midnight; an interval never spans midnight"})

    @ma.validates_schema
    def _closes_after_opening(self, data, **kwargs):
        if data["closes_minute"] <= data["opens_minute"]:
            raise ma.ValidationError("Must be later than opens_at.", "closes_at")


class AmenitySchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    community_id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in AmenityKind]))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))
    location = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=120))
    slot_minutes = _count(15, 720, load_default=60, metadata={"description": "length of a slot"})
    capacity = _count(1, 1000, required=True, metadata={"description": "places per slot"})
    book_ahead_days = _count(
        1, 90, load_default=7, metadata={"description": "how many days ahead a slot can be booked"}
    )
    weekly_limit = _count(
        1, 100, load_default=3, metadata={"description": "bookings per household per week (Monday to Sunday)"}
    )
    cancel_cutoff_minutes = _count(
        0, 10_080, load_default=120,
        metadata={"description": "residents cancel at least this many minutes before the start"},
    )
    fee = _count(0, 10_000_000, load_default=0, metadata={"description": "per booking, in minor units (fen)"})
    currency = ma.fields.String(load_default="CNY", validate=ma.validate.OneOf(["CNY"]))
    no_show_limit = _count(
        0, 100, load_default=3,
        metadata={"description": "no-shows within 30 days that block a household; 0 never blocks"},
    )
    no_show_block_days = _count(1, 365, load_default=14, metadata={"description": "how long a block lasts"})
    active = ma.fields.Boolean(load_default=True)
    opening_hours = ma.fields.List(
        ma.fields.Nested(OpeningHoursSchema), required=True, validate=ma.validate.Length(max=50)
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)

    @ma.validates_schema
    def _hours_do_not_overlap(self, data, **kwargs):
        intervals = sorted((h["weekday"], h["opens_minute"], h["closes_minute"]) for h in data.get("opening_hours", ()))
        for before, after in itertools.pairwise(intervals):
            if before[0] == after[0] and after[1] < before[2]:
                raise ma.ValidationError("Intervals of one weekday overlap.", "opening_hours")


class AmenityUpdateSchema(AmenitySchema):
    """Any subset of the amenity's fields; `opening_hours` replaces the whole week."""

    def __init__(self, **kwargs):
        # Named, not `True`: an interval sent in opening_hours must still be whole.
        super().__init__(partial=tuple(AmenitySchema._declared_fields), **kwargs)


class AmenityClosureSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    amenity_id = ma.fields.Integer(dump_only=True)
    starts_at = Moment(required=True)
    ends_at = Moment(required=True)
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    created_at = ma.fields.AwareDateTime(dump_only=True)

    @ma.validates_schema
    def _ends_after_start(self, data, **kwargs):
        if data["ends_at"] <= data["starts_at"]:
            raise ma.ValidationError("Must be later than starts_at.", "ends_at")
        if (data["ends_at"] - data["starts_at"]).days > 366:
            raise ma.ValidationError("A closure lasts at most a year.", "ends_at")


class AvailabilityQuerySchema(ma.Schema):
    date_from = ma.fields.Date(data_key="from", validate=_day,
                               metadata={"description": "first local day; default today"})
    date_to = ma.fields.Date(data_key="to", validate=_day,
                             metadata={"description": "last local day, at most 31 days on; default a week"})


class AvailabilitySlotSchema(ma.Schema):
    date = ma.fields.Date(required=True, metadata={"description": "the local day the slot starts on"})
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    state = ma.fields.String(required=True, metadata={"enum": ["open", "full", "closed", "not_open_yet", "past"]})
    capacity = ma.fields.Integer(required=True)
    taken = ma.fields.Integer(required=True)
    available = ma.fields.Integer(required=True)
    waiting = ma.fields.Integer(required=True)
    mine = ma.fields.String(
        allow_none=True, metadata={"description": "your household's booking of this slot (its status), if any"}
    )


class AmenityClosureBriefSchema(ma.Schema):
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    reason = ma.fields.String(required=True)


class AvailabilitySchema(ma.Schema):
    amenity_id = ma.fields.Integer(required=True)
    timezone = ma.fields.String(required=True)
    date_from = ma.fields.Date(required=True, data_key="from")
    date_to = ma.fields.Date(required=True, data_key="to")
    slots = ma.fields.List(ma.fields.Nested(AvailabilitySlotSchema), required=True)
    closures = ma.fields.List(ma.fields.Nested(AmenityClosureBriefSchema), required=True)


def dump_availability(found: dict) -> dict:
    """What `AvailabilitySchema().dump(found)` gives, written directly: a month of an amenity's
    slots is hundreds of nested dumps, the most of an uncached availability's time. The schema
    stays what documents it, and tests hold the two to the same output."""
    return {
        "amenity_id": found["amenity_id"],
        "timezone": found["timezone"],
        "from": found["date_from"].isoformat(),
        "to": found["date_to"].isoformat(),
        "slots": [
            {"date": s["date"].isoformat(), "starts_at": s["starts_at"].isoformat(),
             "ends_at": s["ends_at"].isoformat(), "state": s["state"], "capacity": s["capacity"], "taken": s["taken"],
             "available": s["available"], "waiting": s["waiting"], "mine": s["mine"]}
            for s in found["slots"]
        ],
        "closures": [
            {"starts_at": c["starts_at"].isoformat(), "ends_at": c["ends_at"].isoformat(), "reason": c["reason"]}
            for c in found["closures"]
        ],
    }


class BookingRequestSchema(ma.Schema):
    starts_at = Moment(required=True, metadata={"description": "the start of a slot, from the availability"}
    )
    unit_id = Id(metadata={"description": "the household (unit) booking; needed only if you live in several"})


class BookingCancelSchema(ma.Schema):
    reason = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=255))


class AmenityBriefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()


class BookerSchema(ma.Schema):
    """Who booked, as the resident, managers and staff at the door see them: never a phone."""

    id = ma.fields.Integer()
    display_name = ma.fields.String()


class BookingSchema(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    amenity = ma.fields.Nested(AmenityBriefSchema)
    unit = ma.fields.Nested(UnitSchema)
    resident = ma.fields.Nested(BookerSchema, attribute="user")
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()
    status = ma.fields.String(metadata={"enum": [s.value for s in BookingStatus]})
    fee = ma.fields.Integer(metadata={"description": "minor units (fen); recorded, not charged yet"})
    currency = ma.fields.String()
    cancellable_until = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "until when the resident may cancel it themselves"}
    )
    promoted_at = ma.fields.AwareDateTime(allow_none=True)
    checked_in_at = ma.fields.AwareDateTime(allow_none=True)
    cancelled_at = ma.fields.AwareDateTime(allow_none=True)
    cancel_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class BookingFilterSchema(ma.Schema):
    amenity_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID))
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in BookingStatus]))
    date_from = ma.fields.Date(data_key="from", validate=_day, metadata={"description": "first local day"})
    date_to = ma.fields.Date(data_key="to", validate=_day, metadata={"description": "last local day"})


class BookingBlockSchema(ma.Schema):
    id = ma.fields.Integer()
    amenity_id = ma.fields.Integer()
    unit = ma.fields.Nested(UnitSchema)
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()
    no_shows = ma.fields.Integer()
    lifted_at = ma.fields.AwareDateTime(allow_none=True)


class BookingBlockFilterSchema(ma.Schema):
    active = ma.fields.Boolean(metadata={"description": "only blocks in force (true) or over (false)"})

