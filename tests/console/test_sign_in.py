"""Signing in and out, CSRF, the language, and the headers of every console page."""
from __future__ import annotations

import re

from core.auth import issue_access_token
from tests.console.conftest import Console
from tests.factories import CommunityFactory, UserFactory, staff_of


def test_the_sign_in_page_is_a_form_with_login_and_password(console: Console):
    response = console.get("/console/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<form[^>]*method="post"', html)
    assert 'name="login"' in html and 'name="password"' in html


def test_console_pages_carry_a_strict_content_security_policy(console: Console):
    response = console.get("/console/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_load_nothing_from_outside_the_app(console: Console):
    manager = staff_of(CommunityFactory())
    console.sign_in(manager)
    html = console.get("/console/home").get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script>" not in html and "style=" not in html


def test_chinese_is_the_default_and_english_a_choice(console: Console):
    assert "登录" in console.get("/console/").get_data(as_text=True)
    response = console.get("/console/language/en?next=/console/")
    assert response.status_code == 302
    assert "Sign in" in console.get("/console/").get_data(as_text=True)


def test_a_wrong_password_says_so_on_the_page(console: Console):
    user = UserFactory()
    console.get("/console/")
    response = console.post("/console/", {"login": user.email, "password": "wrong-password"})
    assert response.status_code == 401
    assert 'class="problem"' in response.get_data(as_text=True)


def test_signing_in_sets_a_session_cookie_that_scripts_cannot_read(console: Console):
    response = console.sign_in(UserFactory())
    cookie = response.headers["Set-Cookie"]
    assert "linli_console=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/console" in cookie


def test_a_form_without_the_csrf_token_is_refused(console: Console):
    user = UserFactory()
    response = console.client.post("/console/", data={"login": user.email, "password": "password123"})
    assert response.status_code == 400
    assert "linli_console=" not in response.headers.get("Set-Cookie", "")


def test_pages_need_a_signed_in_user(console: Console):
    response = console.get("/console/home")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/?next=")


def test_every_page_links_the_others_through_a_nav_of_console_links(console: Console):
    console.sign_in(staff_of(CommunityFactory()))
    html = console.get("/console/home").get_data(as_text=True)
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", html, re.S).group(1)
    links = re.findall(r'href="([^"]+)"', nav)
    assert links and all(link.startswith("/console/") for link in links)


def test_signing_out_ends_the_login(console: Console):
    console.sign_in(UserFactory())
    console.get("/console/home")
    assert console.post("/console/sign-out").status_code == 302
    assert console.get("/console/home").status_code == 302


def test_the_next_page_after_sign_in_is_never_another_site(console: Console):
    user = UserFactory()
    console.get("/console/")
    response = console.post("/console/", {"login": user.email, "password": "password123",
                                          "next": "//evil.example/console/"})
    assert response.headers["Location"] == "/console/home"


def test_an_expired_access_token_is_rotated_with_the_refresh_token(console: Console, app):
    user = UserFactory()
    console.sign_in(user)
    with app.app_context():
        expired = issue_access_token(user.id, ttl_seconds=-1, secret=app.config["SECRET_KEY"])
    with console.client.session_transaction("/console/") as session:
        refresh = session["refresh_token"]
        session["access_token"] = expired
    assert console.get("/console/home").status_code == 200
    with console.client.session_transaction("/console/") as session:
        assert session["access_token"] != expired and session["refresh_token"] != refresh


def test_a_copy_of_the_session_cookie_stops_working_at_sign_out(console: Console):
    console.sign_in(UserFactory())
    console.get("/console/home")
    stolen = console.client.get_cookie("linli_console", path="/console").value
    console.post("/console/sign-out")
    console.client.set_cookie("linli_console", stolen, path="/console")
    assert console.get("/console/home").status_code == 302
