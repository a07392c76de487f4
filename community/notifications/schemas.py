"""Shapes of the inbox."""
import marshmallow as ma

from community.notifications import kinds


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    community_id = ma.fields.Integer(allow_none=True)
    title = ma.fields.Method("_title")
    body = ma.fields.Method("_body")
    params = ma.fields.Dict()
    subject_type = ma.fields.String(allow_none=True)
    subject_id = ma.fields.Integer(allow_none=True)
    read = ma.fields.Function(lambda n: n.read_at is not None)
    read_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()

    def _title(self, notification) -> str:
        return kinds.render(notification.kind, notification.params)[0]

    def _body(self, notification) -> str:
        return kinds.render(notification.kind, notification.params)[1]


class InboxFilterSchema(ma.Schema):
    unread = ma.fields.Boolean()
    kind = ma.fields.String(validate=ma.validate.Length(max=60))


class UnreadCountSchema(ma.Schema):
    unread = ma.fields.Integer(required=True)


class MarkedSchema(ma.Schema):
    marked = ma.fields.Integer(required=True)


class PreferenceSchema(ma.Schema):
    kind = ma.fields.String(dump_only=True)
    in_app = ma.fields.Boolean(required=True)
    push = ma.fields.Boolean(required=True)
    mandatory = ma.fields.Boolean(dump_only=True)
