"""Request and response shapes of identity's endpoints."""
import marshmallow as ma


class RegisterSchema(ma.Schema):
    email = ma.fields.String(validate=ma.validate.Length(max=254))
    phone = ma.fields.String(validate=ma.validate.Length(max=20))
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=8, max=128))
    display_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))


class TokenRequestSchema(ma.Schema):
    login = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=254))
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=128))


class RefreshRequestSchema(ma.Schema):
    refresh_token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class TokenSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    refresh_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True)
    expires_in = ma.fields.Integer(required=True, metadata={"description": "seconds"})


class UserSchema(ma.Schema):
    """The account as its owner sees it."""

    id = ma.fields.Integer(dump_only=True)
    display_name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    platform_role = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
