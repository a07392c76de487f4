"""The client's address and scheme behind the load balancer: Werkzeug's ProxyFix, set by config."""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask, trusted_proxy_count: int) -> None:
    """Believe X-Forwarded-For and X-Forwarded-Proto as the last `trusted_proxy_count` proxies set them.

    Each proxy appends the address it saw, so the value that many entries from the right is the
    client's, and anything a client put further left is ignored. Host, port and prefix stay as
    they arrive: load balancers pass Host through and rarely set the others, so a client could.
    """
    if trusted_proxy_count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxy_count, x_proto=trusted_proxy_count,
                                x_host=0, x_port=0, x_prefix=0)
