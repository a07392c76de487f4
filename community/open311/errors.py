"""Open311's errors, rendered as the spec's `<errors><error><code/><description/></error></errors>`."""
from core.errors import Conflict, DomainError
from core.i18n import lazy_gettext as _l


class Open311Error(DomainError):
    """The spec: 404 for what does not exist, 403 for the api_key, 400 for any other failure."""

    status, code, title = 400, "open311_bad_request", _l("The request is invalid")


class JurisdictionMissing(Open311Error):
    code, title = "jurisdiction_id_missing", _l("jurisdiction_id was not provided")


class JurisdictionNotFound(Open311Error):
    status, code, title = 404, "jurisdiction_not_found", _l("jurisdiction_id provided was not found")


class ApiKeyInvalid(Open311Error):
    status, code, title = 403, "api_key_invalid", _l("Missing or invalid api_key")


class ServiceCodeMissing(Open311Error):
    code, title = "service_code_missing", _l("service_code was not provided")


class ServiceNotFound(Open311Error):
    status, code, title = 404, "service_code_not_found", _l("service_code provided was not found")


class LocationMissing(Open311Error):
    code, title = "location_missing", _l("Give lat and long, address_string or address_id")


class RequestNotFound(Open311Error):
    status, code, title = 404, "service_request_not_found", _l("service_request_id provided was not found")


class TokenNotFound(Open311Error):
    status, code, title = 404, "token_not_found", _l("token provided was not found")


class ResourceNotFound(Open311Error):
    status, code, title = 404, "open311_resource_not_found", _l("No such Open311 resource")


class BadParameter(Open311Error):
    code, title = "open311_bad_parameter", _l("A parameter has an invalid value")


# Managing keys happens on /api, not in GeoReport, so its errors are ordinary problem+json ones.

class KeyAlreadyRevoked(Conflict):
    code, title = "open311_key_revoked", _l("This API key has already been revoked")
