"""Visitor passes: residents issue and revoke them, guards admit visitors, hosts see who came."""
from flask.views import MethodView

from community.visitors import queries, service
from community.visitors.schemas import (
    AdmissionSchema,
    AdmitVisitorSchema,
    VisitorEntrySchema,
    VisitorPassCreateSchema,
    VisitorPassSchema,
)
from core.auth import current_actor
from core.db import db
from core.idempotency import idempotent
from core.pagination import PageArgs, page_of, paginate
from core.web import Blueprint

blp = Blueprint("visitors", __name__, url_prefix="/api", description="Visitor passes (访客)")


@blp.route("/communities/<int:community_id>/visitor-passes")
class Passes(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(VisitorPassSchema))
    @blp.errors(401, 404, 422)
    def get(self, community_id, **page):
        """The passes the caller issued; every pass of the community for its managers"""
        return paginate(db.session, queries.visible_passes(current_actor(), community_id), page)

    @idempotent
    @blp.arguments(VisitorPassCreateSchema)
    @blp.response(201, VisitorPassSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id):
        """Issue a visitor pass for one's home: a short code and a signed QR payload"""
        return service.create_visitor_pass(db.session, current_actor(), community_id, **body)


@blp.route("/communities/<int:community_id>/visitor-passes/<int:pass_id>")
class PassDetail(MethodView):
    @blp.response(200, VisitorPassSchema)
    @blp.errors(401, 404)
    def get(self, community_id, pass_id):
        """One pass the caller issued (or any, for managers)"""
        return queries.get_pass(db.session, current_actor(), community_id, pass_id)


@blp.route("/communities/<int:community_id>/visitor-passes/<int:pass_id>/revoke")
class PassRevoke(MethodView):
    @blp.response(200, VisitorPassSchema)
    @blp.errors(401, 404)
    def post(self, community_id, pass_id):
        """Revoke a pass so that it admits nobody more (its host or a manager)"""
        return service.revoke_visitor_pass(db.session, current_actor(), community_id, pass_id)


@blp.route("/communities/<int:community_id>/visitor-passes/<int:pass_id>/entries")
class PassEntries(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(VisitorEntrySchema))
    @blp.errors(401, 404, 422)
    def get(self, community_id, pass_id, **page):
        """Who came through a pass, when, and which guard let them in"""
        return paginate(db.session, queries.pass_entries(db.session, current_actor(), community_id, pass_id), page)


@blp.route("/communities/<int:community_id>/visitor-entries")
class Admissions(MethodView):
    @idempotent
    @blp.arguments(AdmitVisitorSchema)
    @blp.response(201, AdmissionSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id):
        """Check a pass by code or QR payload and let the visitor in, spending one entry (guards)"""
        return service.admit_visitor(db.session, current_actor(), community_id, **body)
