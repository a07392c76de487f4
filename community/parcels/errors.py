"""Parcels' domain errors."""
from core.errors import Conflict, NotFound
from core.i18n import lazy_gettext as _l


class UnknownPickupCode(NotFound):
    code, title = "pickup_code_unknown", _l("No waiting parcel has this pickup code")


class AlreadyCollected(Conflict):
    code, title = "parcel_already_collected", _l("The parcel with this pickup code was already collected")


class AlreadyLogged(Conflict):
    code, title = "parcel_already_logged", _l("This parcel is already waiting to be collected")


class CodeUnavailable(Conflict):
    code, title = "pickup_code_unavailable", _l("No free pickup code was found; try again")
