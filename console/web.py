"""The console's blueprint under /console/: the signed-in actor, CSRF, the language, the headers
every console response carries, and how problems become page messages. The pages register on it
from their own modules (imported at the bottom)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, g, redirect, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from console import signin
from console.labels import label
from console.problems import Problem, render_page
from core.errors import DomainError, Unauthenticated
from core.i18n import choose_locale, select_locale
from core.i18n import lazy_gettext as _l
from core.timeutil import to_local

blp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                static_folder="static", static_url_path="/static")
csrf = CSRFProtect()

LANGUAGE_COOKIE = "linli_console_lang"
DEFAULT_ZONE = "Asia/Shanghai"
# Self only: no inline script or style, no other origin, no framing. ECharts draws on canvas and
# styles through the CSSOM, which a style-src without 'unsafe-inline' allows.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Pages anyone may open: the sign-in page, the language switch and the static files.
PUBLIC = frozenset({"console.sign_in", "console.language", "console.static"})


@blp.record_once
def _configure(state) -> None:
    app = state.app
    # CSRF is checked on the console's forms only (below): the API takes bearer tokens, no cookies.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    csrf.init_app(app)
    # The session cookie is the console's alone: HttpOnly, SameSite=Lax, Secure in production
    # (`make run` serves plain http on loopback, where a Secure cookie would not come back).
    app.config.update(
        SESSION_COOKIE_NAME="linli_console",
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config.get("LINLI_ENV") == "production",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
    )


@blp.before_request
def _before() -> Response | None:
    choose_locale(request.cookies.get(LANGUAGE_COOKIE))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if request.endpoint in PUBLIC:
        return None
    g.console_actor = signin.session_actor()
    if g.console_actor is None:
        return redirect(url_for("console.sign_in", next=request.full_path.rstrip("?")))
    return None


@blp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


@blp.context_processor
def _helpers() -> dict:
    def page_url(number: int) -> str:
        """This list's address with another page: its filters kept."""
        args = request.args.to_dict(flat=False)
        args["page"] = [str(number)]
        return url_for(request.endpoint, **request.view_args, **args)

    def when(moment, tz: str = DEFAULT_ZONE) -> str:
        """A moment as the community's (or store's) clock shows it."""
        if isinstance(moment, str):  # as a response schema dumps it
            moment = datetime.fromisoformat(moment)
        return to_local(moment, tz).strftime("%Y-%m-%d %H:%M") if moment else "—"

    return {"page_url": page_url, "label": label, "when": when, "language": select_locale()}


@blp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError):
    problem = Problem(400, str(_l("The form has expired or did not come from this console.")),
                      str(_l("Reload the page and try again.")))
    return render_page("console/error.html", problem=problem), 400


@blp.errorhandler(DomainError)
def _problem(error: DomainError):
    if isinstance(error, Unauthenticated):
        return redirect(url_for("console.sign_in"))
    return render_page("console/error.html", problem=Problem.of(error)), error.status


# The pages register themselves on `blp` when their modules are imported.
from console import account as _account  # noqa: E402, F401
from console import applications as _applications  # noqa: E402, F401
from console import money as _money  # noqa: E402, F401
from console import parcels as _parcels  # noqa: E402, F401
from console import requests as _requests  # noqa: E402, F401
from console import residency as _residency  # noqa: E402, F401
from console import returns as _returns  # noqa: E402, F401
from console import store as _store  # noqa: E402, F401
