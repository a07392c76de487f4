"""The app's Flask class: Flask, less work it repeats on every request that never changes its answer.

Flask asks `inspect.iscoroutinefunction` of every view, hook and decorator layer on every request
(flask-smorest adds three a view), and builds the signing serializer of cookie sessions before it
looks for a cookie; a cached read spent a tenth of its time there. Both answers are the same as
Flask's: a function's kind is remembered (weakly, so functions made on the fly are not kept), and
a request without a session cookie gets Flask's empty session without a serializer built for it.
"""
from __future__ import annotations

from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

_IS_COROUTINE: WeakKeyDictionary[Callable[..., Any], bool] = WeakKeyDictionary()


class CookieSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


class Linli(Flask):
    session_interface = CookieSessions()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # A bound method is made anew for each request (class-based views): remember its function.
        target = getattr(func, "__func__", func)
        try:
            coroutine = _IS_COROUTINE[target]
        except (KeyError, TypeError):
            coroutine = iscoroutinefunction(func)
            try:
                _IS_COROUTINE[target] = coroutine
            except TypeError:  # not weakly referenceable (a builtin): asked every time, as Flask does
                pass
        return self.async_to_sync(func) if coroutine else func
