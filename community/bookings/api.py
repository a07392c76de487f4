"""Amenities, their availability, bookings, wait lists, check-in and no-show blocks."""
from flask.views import MethodView

from community import queries as community_queries
from community.bookings import queries, service
from community.bookings.invalidation import availability_deps
from community.bookings.schemas import (
    AmenityClosureSchema,
    AmenitySchema,
    AmenityUpdateSchema,
    AvailabilityQuerySchema,
    AvailabilitySchema,
    BookingBlockFilterSchema,
    BookingBlockSchema,
    BookingCancelSchema,
    BookingFilterSchema,
    BookingRequestSchema,
    BookingSchema,
    dump_availability,
)
from core.auth import current_actor
from core.db import db
from core.httpcache import cached_json, entry
from core.idempotency import idempotent
from core.pagination import PageArgs, page_of, paginate
from core.web import Blueprint

blp = Blueprint(
    "bookings", __name__, url_prefix="/api",
    description=(
        "Amenity bookings (场地预约). A household is a unit: a resident books for their home (naming "
        "`unit_id` only if they live in several), and the weekly limit and one booking per slot count "
        "the whole household. Slots come from each amenity's weekly hours in the community's time zone "
        "and are addressed by their UTC start. A full slot has a first-come wait list: a freed place "
        "goes to the first household in line that is neither blocked nor at its weekly limit, at once, "
        "and they are notified. Residents cancel until `cancellable_until` (the amenity's cutoff); after "
        "it, cancelling is refused and an unattended booking becomes a no-show. Staff check people in "
        "from 30 minutes before the start until the end; a booking still unattended at the end is a "
        "no-show, and `no_show_limit` no-shows within 30 days block the household from that amenity "
        "for `no_show_block_days` (a manager may lift the block, which also forgives those no-shows). "
        "Fees are recorded in fen on each booking and not charged yet."
    ),
)


@blp.route("/communities/<int:community_id>/amenities")
class Amenities(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(AmenitySchema))
    @blp.errors(401, 404, 422)
    def get(self, community_id, **page):
        """The community's amenities, with their hours and booking rules"""
        return paginate(db.session, queries.amenities(current_actor(), community_id), page)

    @idempotent
    @blp.arguments(AmenitySchema)
    @blp.response(201, AmenitySchema)
    @blp.errors(401, 403, 404, 422)
    def post(self, body, community_id):
        """Open an amenity for booking (managers)"""
        return service.create_amenity(db.session, current_actor(), community_id, **body)


@blp.route("/communities/<int:community_id>/amenities/<int:amenity_id>")
class AmenityDetail(MethodView):
    @blp.response(200, AmenitySchema)
    @blp.errors(401, 404)
    def get(self, community_id, amenity_id):
        """One amenity"""
        return queries.get_amenity(db.session, current_actor(), community_id, amenity_id)

    @blp.arguments(AmenityUpdateSchema)
    @blp.response(200, AmenitySchema)
    @blp.errors(401, 403, 404, 409, 422)
    def patch(self, body, community_id, amenity_id):
        """Edit an amenity; opening_hours replaces the week; more capacity promotes wait lists (managers)"""
        return service.update_amenity(db.session, current_actor(), community_id, amenity_id, **body)


@blp.route("/communities/<int:community_id>/amenities/<int:amenity_id>/availability")
class Availability(MethodView):
    @blp.arguments(AvailabilityQuerySchema, location="query")
    @blp.response(200, AvailabilitySchema)
    @blp.alt_response(304, response="NOT_MODIFIED")
    @blp.errors(401, 404, 422)
    def get(self, args, community_id, amenity_id):
        """Slots of a range of days with their free places and your own bookings (never who else booked)

        With an ETag: send it back in If-None-Match and an unchanged availability is a 304.
        """
        # Cached per user until a booking, closure or the amenity changes, or the clock moves a
        # slot into the past (community/bookings/invalidation.py, queries.unchanged_for).
        def read(user_id):
            return entry(availability_deps(user_id, amenity_id), "availability", user_id, community_id, amenity_id,
                         args)

        actor = current_actor(prefetch=lambda user_id: [read(user_id)])
        community_queries.require_member(actor, community_id)  # before anything is served
        return cached_json(read(actor.user_id), lambda: queries.availability(
            db.session, actor, community_id, amenity_id, **args), dump_availability, ttl=queries.unchanged_for)


@blp.route("/communities/<int:community_id>/amenities/<int:amenity_id>/closures")
class Closures(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(AmenityClosureSchema))
    @blp.errors(401, 404, 422)
    def get(self, community_id, amenity_id, **page):
        """Periods the amenity is closed, latest first"""
        return paginate(db.session, queries.closures(db.session, current_actor(), community_id, amenity_id), page)

    @idempotent
    @blp.arguments(AmenityClosureSchema)
    @blp.response(201, AmenityClosureSchema)
    @blp.errors(401, 403, 404, 422)
    def post(self, body, community_id, amenity_id):
        """Close the amenity for a period; bookings it covers are cancelled and notified (managers)"""
        return service.add_closure(db.session, current_actor(), community_id, amenity_id, **body)


@blp.route("/communities/<int:community_id>/amenities/<int:amenity_id>/closures/<int:closure_id>")
class ClosureDetail(MethodView):
    @blp.response(204)
    @blp.errors(401, 403, 404)
    def delete(self, community_id, amenity_id, closure_id):
        """Reopen a closed period (managers)"""
        service.remove_closure(db.session, current_actor(), community_id, amenity_id, closure_id)


@blp.route("/communities/<int:community_id>/amenities/<int:amenity_id>/bookings")
class Book(MethodView):
    @idempotent
    @blp.arguments(BookingRequestSchema)
    @blp.response(201, BookingSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id, amenity_id):
        """Book a place in a slot for your household (residents)"""
        return service.book_slot(db.session, current_actor(), community_id, amenity_id, **body)


@blp.route("/communities/<int:community_id>/amenities/<int:amenity_id>/wait-list")
class WaitList(MethodView):
    @idempotent
    @blp.arguments(BookingRequestSchema)
    @blp.response(201, BookingSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id, amenity_id):
        """Join the wait list of a full slot; a freed place goes to the first in line (residents)"""
        return service.join_wait_list(db.session, current_actor(), community_id, amenity_id, **body)


@blp.route("/communities/<int:community_id>/amenities/<int:amenity_id>/blocks")
class Blocks(MethodView):
    @blp.arguments(BookingBlockFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(BookingBlockSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, args, community_id, amenity_id, **page):
        """Households blocked from the amenity after no-shows (managers)"""
        query = queries.blocks(db.session, current_actor(), community_id, amenity_id, **args)
        return paginate(db.session, query, page)


@blp.route("/communities/<int:community_id>/amenities/<int:amenity_id>/blocks/<int:block_id>/lift")
class BlockLift(MethodView):
    @blp.response(200, BookingBlockSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, community_id, amenity_id, block_id):
        """Let a blocked household book again (managers)"""
        return service.lift_block(db.session, current_actor(), community_id, amenity_id, block_id)


@blp.route("/communities/<int:community_id>/bookings")
class Bookings(MethodView):
    @blp.arguments(BookingFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(BookingSchema))
    @blp.errors(401, 404, 422)
    def get(self, args, community_id, **page):
        """Bookings, latest slot first: every one for staff (with names), your own for residents"""
        query = queries.visible_bookings(db.session, current_actor(), community_id, **args)
        return paginate(db.session, query, page)


@blp.route("/communities/<int:community_id>/bookings/<int:booking_id>")
class BookingDetail(MethodView):
    @blp.response(200, BookingSchema)
    @blp.errors(401, 404)
    def get(self, community_id, booking_id):
        """One booking (its resident or staff)"""
        return queries.get_booking(db.session, current_actor(), community_id, booking_id)


@blp.route("/communities/<int:community_id>/bookings/<int:booking_id>/cancel")
class BookingCancel(MethodView):
    @blp.arguments(BookingCancelSchema)
    @blp.response(200, BookingSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id, booking_id):
        """Cancel a booking before the cutoff or leave a wait list; managers cancel any time before the start"""
        return service.cancel_booking(db.session, current_actor(), community_id, booking_id, **body)


@blp.route("/communities/<int:community_id>/bookings/<int:booking_id>/check-in")
class BookingCheckIn(MethodView):
    @blp.response(200, BookingSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, community_id, booking_id):
        """Mark the resident present (staff: managers, guards, maintenance)"""
        return service.check_in(db.session, current_actor(), community_id, booking_id)
