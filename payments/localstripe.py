"""localstripe (the Stripe API emulator from PyPI) served on loopback, for tests and `make run`."""
from __future__ import annotations

import asyncio
import pickle
import threading
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

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


def _keep_state(store: dict, state_file: Path | None) -> None:
    """Where localstripe keeps its objects between processes: `state_file`, or nowhere.

    Left alone it pickles its whole store to /tmp/localstripe.pickle on every write: a shared
    path (tests, the bench and `make run` would overwrite one another's) and a cost that grows
    with every object, which the bench's thousands of checkouts made quadratic.
    """
    if state_file is None:
        store.dump_to_disk = lambda: None
        return

    def dump() -> None:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = state_file.with_suffix(".partial")
        with partial.open("wb") as f:
            pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(state_file)  # a crash mid-write never leaves half a file

    if state_file.exists():
        with state_file.open("rb") as f:
            dict.update(store, pickle.load(f))  # noqa: S301 - our own file, written by dump() above
    store.dump_to_disk = dump


def start_localstripe(host: str = "127.0.0.1", port: int = 0, *, state_file: Path | None = None) -> LocalStripe:
    """Serves localstripe's aiohttp app on `host` in a daemon thread; one per process.

    Its own command line binds every interface (`::`); serving the app object ourselves keeps it on
    loopback. Its state lives in the process (module globals), so a second call returns the first.
    With `state_file` the state outlives the process (`make run`: the demo's payments, made by
    `seed-demo`, are still there to refund when the server starts); without, it stays in memory.
    """
    with _LOCK:
        if _RUNNING:
            return _RUNNING[0]
        from aiohttp import web

        with warnings.catch_warnings():
            # Its routes are plain functions, which aiohttp deprecates; nothing for us to act on.
            warnings.simplefilter("ignore", DeprecationWarning)
            from localstripe import server
            from localstripe.resources import store

        _keep_state(store, state_file)

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


def embedded_stripe(app: Flask) -> LocalStripe | None:
    """With no STRIPE_API_KEY: localstripe on loopback, in test mode, keeping its state in instance/.

    `seed-demo` and `serve` are two processes under `make run`; the state file lets the server
    refund and reconcile the payments the seed made. Returns None when a real key is configured.
    """
    if app.config.get("STRIPE_API_KEY"):
        return None
    local = start_localstripe(state_file=Path(app.instance_path) / "localstripe.pickle")
    app.config.update(STRIPE_API_KEY="sk_test_localstripe", STRIPE_API_BASE=local.url, STRIPE_CONNECT_FAKE=True)
    return local
