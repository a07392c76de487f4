"""Registration and the token endpoints (`POST /api/auth/token` is a contract)."""
from flask import request
from flask.views import MethodView

from core.db import db
from core.web import Blueprint
from identity import service
from identity.schemas import RefreshRequestSchema, RegisterSchema, TokenRequestSchema, TokenSchema, UserSchema

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Accounts and tokens")


@blp.route("/register")
class Register(MethodView):
    @blp.public
    @blp.arguments(RegisterSchema)
    @blp.response(201, UserSchema)
    @blp.errors(409, 422, 429)
    def post(self, body):
        """Create an account with an email or a mobile number"""
        return service.register_user(db.session, **body)


@blp.route("/token")
class Token(MethodView):
    @blp.public
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.errors(401, 422, 429)
    def post(self, body):
        """Log in: exchange a login and password for an access and a refresh token"""
        return service.log_in(db.session, address=request.remote_addr or "unknown", **body)


@blp.route("/refresh")
class Refresh(MethodView):
    @blp.public
    @blp.arguments(RefreshRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.errors(401, 422)
    def post(self, body):
        """Rotate a refresh token into a new token pair"""
        return service.refresh_tokens(db.session, **body)


@blp.route("/logout")
class Logout(MethodView):
    @blp.public
    @blp.arguments(RefreshRequestSchema)
    @blp.response(204)
    @blp.errors(401, 422)
    def post(self, body):
        """Log out: revoke the refresh token and every token rotated from the same login"""
        service.log_out(db.session, **body)
