"""Identity's domain errors."""
from core.errors import Conflict, DomainError, Unauthenticated
from core.i18n import lazy_gettext as _l


class InvalidCredentials(Unauthenticated):
    code, title = "invalid_credentials", _l("The login or password is wrong")


class InvalidRefreshToken(Unauthenticated):
    code, title = "invalid_refresh_token", _l("The refresh token is invalid, expired or revoked")


class LoginTaken(Conflict):
    code, title = "login_taken", _l("An account with this email or phone already exists")


class InvalidLogin(DomainError):
    status, code, title = 422, "invalid_login", _l("Give a valid email address or mobile number")
