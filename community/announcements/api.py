"""Announcements: the feed, publishing, withdrawing, read receipts and read counts."""
from flask.views import MethodView

from community.announcements import queries, service
from community.announcements.schemas import (
    AnnouncementCreateSchema,
    AnnouncementFilterSchema,
    AnnouncementReadStatsSchema,
    AnnouncementSchema,
)
from core.auth import current_actor
from core.db import db
from core.idempotency import idempotent
from core.pagination import PageArgs, page_of, paginate
from core.web import Blueprint

blp = Blueprint("announcements", __name__, url_prefix="/api", description="Announcements (公告)")


@blp.route("/communities/<int:community_id>/announcements")
class Announcements(MethodView):
    @blp.arguments(AnnouncementFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(AnnouncementSchema))
    @blp.errors(401, 404, 422)
    def get(self, args, community_id, **page):
        """The caller's feed, urgent ones pinned first; managers see every announcement"""
        return paginate(db.session, queries.visible_announcements(current_actor(), community_id, **args), page)

    @idempotent
    @blp.arguments(AnnouncementCreateSchema)
    @blp.response(201, AnnouncementSchema)
    @blp.errors(401, 403, 404, 422)
    def post(self, body, community_id):
        """Publish an announcement to the community or chosen buildings, now or later (managers)"""
        return service.publish_announcement(db.session, current_actor(), community_id, **body)


@blp.route("/communities/<int:community_id>/announcements/<int:announcement_id>")
class AnnouncementDetail(MethodView):
    @blp.response(200, AnnouncementSchema)
    @blp.errors(401, 404)
    def get(self, community_id, announcement_id):
        """One announcement the caller can see"""
        return queries.get_announcement(db.session, current_actor(), community_id, announcement_id)

    @blp.response(204)
    @blp.errors(401, 403, 404)
    def delete(self, community_id, announcement_id):
        """Withdraw an announcement from the feed (managers)"""
        service.withdraw_announcement(db.session, current_actor(), community_id, announcement_id)


@blp.route("/communities/<int:community_id>/announcements/<int:announcement_id>/read")
class AnnouncementRead(MethodView):
    @blp.response(204)
    @blp.errors(401, 404)
    def post(self, community_id, announcement_id):
        """Mark an announcement read (again is harmless)"""
        service.mark_announcement_read(db.session, current_actor(), community_id, announcement_id)


@blp.route("/communities/<int:community_id>/announcements/<int:announcement_id>/read-stats")
class AnnouncementReadStats(MethodView):
    @blp.response(200, AnnouncementReadStatsSchema)
    @blp.errors(401, 403, 404)
    def get(self, community_id, announcement_id):
        """How many of its audience have read an announcement (managers)"""
        return queries.read_stats(db.session, current_actor(), community_id, announcement_id)
