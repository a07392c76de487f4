"""localstripe (the Stripe API emulator from PyPI) served on loopback, for tests and `make run`."""
from __future__ import annotations

import asyncio
import threading
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass

_RUNNING: list[LocalStripe] = []
_LOCK = threading.Lock()


@dataclass(frozen=True)
class LocalStripe:
    """A running localstripe: its base URL, and a way to forget everything it holds."""

    url: str

    def clear(self) -> None:
        """Forgets every object (intents, charges, refunds, events): one test never sees another's."""
        self._call("DELETE", "/_config/data")

    def send_webhooks_to(self, url: str, secret: str) -> None:
        """Makes localstripe deliver its events, signed with `secret`, to our webhook endpoint."""
        self._call("POST", "/_config/webhooks/linli", {"url": url, "secret": secret})

    def _call(self, method: str, path: str, form: dict[str, str] | None = None) -> None:
        body = urllib.parse.urlencode(form).encode() if form else None
        request = urllib.request.Request(f"{self.url}{path}", data=body, method=method)  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our loopback URL
            response.read()


def start_localstripe(host: str = "127.0.0.1", port: int = 0) -> LocalStripe:
    """Serves localstripe's aiohttp app on `host` in a daemon thread; one per process.

    Its own command line binds every interface (`::`); serving the app object ourselves keeps it on
    loopback. Its state lives in the process (module globals), so a second call returns the first.
    """
    with _LOCK:
        if _RUNNING:
            return _RUNNING[0]
        from aiohttp import web

        with warnings.catch_warnings():
            # Its routes are plain functions, which aiohttp deprecates; nothing for us to act on.
            warnings.simplefilter("ignore", DeprecationWarning)
            from localstripe import server

        loop = asyncio.new_event_loop()
        runner = web.AppRunner(server.app, access_log=None)
        ready = threading.Event()
        bound: list[tuple[str, int]] = []
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(runner.setup())
                site = web.TCPSite(runner, host, port)
                loop.run_until_complete(site.start())
                bound.extend(runner.addresses)
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        threading.Thread(target=serve, name="localstripe", daemon=True).start()
        ready.wait(timeout=10)
        if failure or not bound:
            raise RuntimeError(f"localstripe did not start on {host}:{port}") from (failure[0] if failure else None)
        running = LocalStripe(url=f"http://{host}:{bound[0][1]}")
        _RUNNING.append(running)
        return running
