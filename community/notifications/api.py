"""The caller's inbox: list, unread count, mark read; and notification preferences."""
from flask.views import MethodView

from community.notifications import queries, service
from community.notifications.schemas import (
    InboxFilterSchema,
    MarkedSchema,
    NotificationSchema,
    PreferenceSchema,
    UnreadCountSchema,
)
from core.auth import current_actor
from core.db import db
from core.pagination import PageArgs, page_of, paginate
from core.web import Blueprint

blp = Blueprint("notifications", __name__, url_prefix="/api/me", description="The caller's inbox")


@blp.route("/notifications")
class Inbox(MethodView):
    @blp.arguments(InboxFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(NotificationSchema))
    @blp.errors(401, 422)
    def get(self, args, **page):
        """The caller's notifications, newest first"""
        return paginate(db.session, queries.inbox(current_actor(), **args), page)


@blp.route("/notifications/unread-count")
class UnreadCount(MethodView):
    @blp.response(200, UnreadCountSchema)
    @blp.errors(401)
    def get(self):
        """How many notifications the caller has not read"""
        return {"unread": queries.unread_count(db.session, current_actor())}


@blp.route("/notifications/<int:notification_id>/read")
class MarkRead(MethodView):
    @blp.response(200, NotificationSchema)
    @blp.errors(401, 404)
    def post(self, notification_id):
        """Mark one notification read"""
        return service.mark_read(db.session, current_actor(), notification_id)


@blp.route("/notifications/read-all")
class MarkAllRead(MethodView):
    @blp.response(200, MarkedSchema)
    @blp.errors(401)
    def post(self):
        """Mark every notification read"""
        return {"marked": service.mark_all_read(db.session, current_actor())}


@blp.route("/notification-preferences")
class Preferences(MethodView):
    @blp.response(200, PreferenceSchema(many=True))
    @blp.errors(401)
    def get(self):
        """The caller's preferences for every kind of notification"""
        return queries.preferences(db.session, current_actor())


@blp.route("/notification-preferences/<string:kind>")
class Preference(MethodView):
    @blp.arguments(PreferenceSchema)
    @blp.response(200, PreferenceSchema)
    @blp.errors(401, 404, 422)
    def put(self, body, kind):
        """Choose whether a kind of notification reaches the inbox and push"""
        return service.set_preference(db.session, current_actor(), kind, **body)
