"""Hostile strings in the console's forms and query strings are a 4xx page, never a 500 and never
stored: NUL and control characters, lone surrogates (as raw bytes that are not UTF-8, and as
percent-escapes), and values far too long."""
from __future__ import annotations

import pytest

from community.requests.models import RequestComment
from tests.community.requests.factories import CategoryFactory, ServiceRequestFactory
from tests.console.conftest import Console
from tests.factories import CommunityFactory, current_session, resident_of, staff_of

HOSTILE = ["nul\x00inside", "bell\x07and\x1bescape", "x" * 100_000]
# A lone surrogate cannot be a str the test client encodes: it is sent as the bytes a client would send.
LONE_SURROGATE = b"%ED%A0%80lone"


def _raw_post(console: Console, path: str, body: bytes):
    """A form posted as raw bytes, with the page's CSRF token, so that only the bytes are at fault."""
    return console.client.post(path, data=b"csrf_token=" + console.token.encode() + b"&" + body,
                               content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_sign_in_fields_are_refused(console: Console, value):
    console.get("/console/")
    response = console.post("/console/", {"login": value, "password": value})
    assert 400 <= response.status_code < 500, response.status_code


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_comment_is_refused_and_not_stored(console: Console, value):
    community = CommunityFactory()
    found = ServiceRequestFactory(category=CategoryFactory(community=community), requester=resident_of(community))
    console.sign_in(staff_of(community))
    path = f"/console/communities/{community.id}/requests/{found.id}"
    console.get(path)
    response = console.post(f"{path}/comments", {"body": value, "internal": "y"})
    assert 400 <= response.status_code < 500, response.status_code
    assert current_session().query(RequestComment).filter_by(request_id=found.id).count() == 0


def test_a_comment_with_a_lone_surrogate_is_refused_and_not_stored(console: Console):
    community = CommunityFactory()
    found = ServiceRequestFactory(category=CategoryFactory(community=community), requester=resident_of(community))
    console.sign_in(staff_of(community))
    path = f"/console/communities/{community.id}/requests/{found.id}"
    console.get(path)
    response = _raw_post(console, f"{path}/comments", b"body=" + LONE_SURROGATE)
    assert 400 <= response.status_code < 500, response.status_code
    assert current_session().query(RequestComment).filter_by(request_id=found.id).count() == 0


@pytest.mark.parametrize("query", ["status=%00", "q=%ED%A0%80", "page=99999999999999999999", "q=%1B%5B31m",
                                   "status=" + "x" * 5_000])
def test_hostile_query_strings_on_a_list_are_not_a_500(console: Console, query):
    community = CommunityFactory()
    console.sign_in(staff_of(community))
    response = console.get(f"/console/communities/{community.id}/requests?{query}")
    assert response.status_code < 500, response.status_code


def test_invalid_utf8_in_a_form_body_is_refused(console: Console):
    console.get("/console/")
    response = _raw_post(console, "/console/", b"login=\xff\xfe&password=\xc3")
    assert 400 <= response.status_code < 500, response.status_code
