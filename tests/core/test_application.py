"""The app's Flask class: the same answers as Flask's, without the per-request repetition."""
from flask import session

from core.application import Linli


class Marking(Linli):
    def async_to_sync(self, func):
        return ("wrapped", func)


async def coroutine_view():
    return "async"


def plain_view():
    return "plain"


class View:
    def get(self):
        return "method"

    async def aget(self):
        return "async method"


def test_plain_functions_pass_and_coroutines_are_wrapped_as_flask_does():
    app = Marking("t")
    for _ in range(2):  # the second time from memory
        assert app.ensure_sync(plain_view) is plain_view
        assert app.ensure_sync(coroutine_view) == ("wrapped", coroutine_view)
        view = View()
        assert app.ensure_sync(view.get) == view.get
        assert app.ensure_sync(view.aget)[0] == "wrapped"
        assert app.ensure_sync(len) is len  # not weakly referenceable: asked each time


def test_cookie_sessions_still_work_and_requests_without_a_cookie_get_an_empty_one():
    app = Linli("t")
    app.secret_key = "a-secret-key-for-this-test-only"

    @app.get("/set")
    def set_value():
        session["name"] = "邻里"
        return "ok"

    @app.get("/get")
    def get_value():
        return session.get("name", "nothing")

    client = app.test_client()
    assert client.get("/get").get_data(as_text=True) == "nothing"
    assert "session=" in client.get("/set").headers["Set-Cookie"]
    assert client.get("/get").get_data(as_text=True) == "邻里"
    client.set_cookie("session", "tampered")
    assert client.get("/get").get_data(as_text=True) == "nothing"
