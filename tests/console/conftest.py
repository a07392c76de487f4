"""The console in a test client (rolled back, as every test) and signed in through its own form."""
from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Console:
    """A browser's view of the console: pages as text, forms posted with the page's CSRF token."""

    def __init__(self, client):
        self.client = client
        self.token: str | None = None

    def get(self, path: str, **kwargs):
        response = self.client.get(path, **kwargs)
        text = response.get_data(as_text=True)
        if 'name="csrf_token"' in text:
            self.token = csrf_token(text)
        return response

    def post(self, path: str, data: dict | None = None, **kwargs):
        if self.token is None:
            self.get("/console/")
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def sign_in(self, user, password: str = PASSWORD):
        self.get("/console/")
        response = self.post("/console/", {"login": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.token = None
        return response


@pytest.fixture
def console(client) -> Console:
    return Console(client)
