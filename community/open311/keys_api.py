"""Managers issue and revoke the Open311 API keys of their community (on /api, with the other endpoints;
GeoReport itself is community/open311/api.py)."""
from flask.views import MethodView

from community.open311 import keys, queries
from community.open311.schemas import Open311KeySchema
from core.auth import current_actor
from core.db import db
from core.idempotency import idempotent
from core.pagination import PageArgs, page_of, paginate
from core.web import Blueprint

blp = Blueprint("open311_keys", __name__, url_prefix="/api",
                description="The Open311 API keys managers issue to city systems, which file service requests "
                            "through GeoReport v2 (/open311/v2/)")


@blp.route("/communities/<int:community_id>/open311-keys")
class Open311Keys(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(Open311KeySchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, community_id, **page):
        """The Open311 API keys issued for this community (managers; the keys themselves are not kept)"""
        return paginate(db.session, queries.keys(db.session, current_actor(), community_id), page)

    @idempotent
    @blp.arguments(Open311KeySchema)
    @blp.response(201, Open311KeySchema)
    @blp.errors(401, 403, 404, 422)
    def post(self, body, community_id):
        """Issue an API key for a city system to file requests through Open311; shown only in this response"""
        return keys.issue_key(db.session, current_actor(), community_id, **body)


@blp.route("/communities/<int:community_id>/open311-keys/<int:key_id>")
class Open311KeyDetail(MethodView):
    @blp.response(204)
    @blp.errors(401, 403, 404, 409)
    def delete(self, community_id, key_id):
        """Revoke an Open311 API key (managers)"""
        keys.revoke_key(db.session, current_actor(), community_id, key_id)
