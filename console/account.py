"""Signing in and out, the language switch, and the home page of what the actor can do here."""
from __future__ import annotations

from flask import make_response, redirect, request, url_for

from console import signin
from console.problems import Problem, render_page
from console.web import LANGUAGE_COOKIE, blp
from core.db import db
from core.errors import DomainError
from core.i18n import SUPPORTED_LOCALES


def _local(target: str | None) -> str:
    """Where to go next: a console page, never another site (an open redirect)."""
    if target and target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("console.home")


@blp.route("/", methods=["GET", "POST"])
def sign_in():
    """The sign-in page (the contract: a form with `login` and `password`)."""
    if request.method == "GET":
        if signin.session_actor() is not None:
            return redirect(url_for("console.home"))
        return render_page("console/sign_in.html", next=request.args.get("next", ""))
    try:
        signin.sign_in(login=request.form.get("login", ""), password=request.form.get("password", ""))
    except DomainError as error:
        db.session.rollback()
        page = render_page("console/sign_in.html", problem=Problem.of(error), next=request.form.get("next", ""))
        return page, error.status
    return redirect(_local(request.form.get("next")))


@blp.post("/sign-out")
def sign_out():
    signin.sign_out()
    return redirect(url_for("console.sign_in"))


@blp.get("/language/<code>")
def language(code: str):
    """Chinese by default; English (or back) by choice, remembered in a cookie for a year."""
    response = make_response(redirect(_local(request.args.get("next"))))
    if code in SUPPORTED_LOCALES:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, path="/console", httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


@blp.get("/home")
def home():
    return render_page("console/home.html")
