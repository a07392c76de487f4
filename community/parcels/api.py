"""Parcels: staff log arrivals and hand them over by pickup code; households see theirs; managers see laggards."""
from flask.views import MethodView

from community.parcels import queries, service
from community.parcels.schemas import (
    DeskParcelSchema,
    HouseholdParcelSchema,
    ParcelDeskFilterSchema,
    ParcelHandOverSchema,
    ParcelHouseholdFilterSchema,
    ParcelLogSchema,
    UncollectedParcelFilterSchema,
)
from core.auth import current_actor
from core.db import db
from core.idempotency import idempotent
from core.pagination import PageArgs, page_of, paginate
from core.web import Blueprint

blp = Blueprint("parcels", __name__, url_prefix="/api", description="Parcels (快递代收)")


@blp.route("/communities/<int:community_id>/parcels")
class Parcels(MethodView):
    @blp.arguments(ParcelDeskFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(DeskParcelSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, args, community_id, **page):
        """Every parcel at the desk, newest first (staff)"""
        return paginate(db.session, queries.desk_parcels(current_actor(), community_id, **args), page)

    @idempotent
    @blp.arguments(ParcelLogSchema)
    @blp.response(201, DeskParcelSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id):
        """Log a parcel that arrived for a unit; its household gets a pickup code (staff)"""
        return service.log_parcel(db.session, current_actor(), community_id, **body)


@blp.route("/communities/<int:community_id>/parcels/pickup")
class HandOver(MethodView):
    @blp.arguments(ParcelHandOverSchema)
    @blp.response(200, DeskParcelSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id):
        """Hand a waiting parcel over against its pickup code, recording who took it (staff)"""
        return service.hand_over_parcel(db.session, current_actor(), community_id, **body)


@blp.route("/communities/<int:community_id>/parcels/mine")
class MyParcels(MethodView):
    @blp.arguments(ParcelHouseholdFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(HouseholdParcelSchema))
    @blp.errors(401, 404, 422)
    def get(self, args, community_id, **page):
        """The parcels of the caller's household, with their pickup codes"""
        return paginate(db.session, queries.my_parcels(current_actor(), community_id, **args), page)


@blp.route("/communities/<int:community_id>/parcels/uncollected")
class Uncollected(MethodView):
    @blp.arguments(UncollectedParcelFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(DeskParcelSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, args, community_id, **page):
        """Parcels waiting longer than a number of days, oldest first (managers)"""
        return paginate(db.session, queries.uncollected_parcels(current_actor(), community_id, **args), page)


@blp.route("/communities/<int:community_id>/parcels/<int:parcel_id>")
class ParcelDetail(MethodView):
    @blp.response(200, HouseholdParcelSchema)
    @blp.errors(401, 404)
    def get(self, community_id, parcel_id):
        """One parcel of the caller's household, with its pickup code"""
        return queries.get_my_parcel(db.session, current_actor(), community_id, parcel_id)
