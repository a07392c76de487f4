"""Service requests' domain errors."""
from core.errors import Conflict, DomainError
from core.i18n import lazy_gettext as _l


class CategoryCodeTaken(Conflict):
    code, title = "category_code_taken", _l("A category with this code already exists here")


class CategoryInactive(DomainError):
    status, code, title = 422, "category_inactive", _l("This category no longer takes requests")


class DailyLimitReached(DomainError):
    status, code = 429, "daily_request_limit_reached"
    title = _l("You have filed as many requests as allowed today; try again tomorrow")


class TransitionNotAllowed(Conflict):
    code, title = "transition_not_allowed", _l("This request cannot make that change in its current state")


class ReopenWindowPassed(Conflict):
    code, title = "reopen_window_passed", _l("This request was resolved too long ago to be reopened")


class AlreadyRated(Conflict):
    code, title = "already_rated", _l("This request has already been rated")


class NotRatable(Conflict):
    code, title = "not_ratable", _l("Only a resolved or closed request can be rated")


class AssigneeNotStaff(DomainError):
    status, code, title = 422, "assignee_not_staff", _l("The assignee must be a manager or maintenance staff here")


class CannotMerge(Conflict):
    code, title = "cannot_merge", _l("These requests cannot be merged")

