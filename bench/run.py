"""`make bench`: Linli's endpoints against a bare Flask endpoint, both under gunicorn, in one run.

Serves the app with gunicorn (2 workers) on loopback against a fresh PostgreSQL database seeded
with the demo data, drives each endpoint with wrk, and prints requests/s, p50/p99 latency, the
ratio to the bare Flask baseline, and the peak resident memory of a worker. The bare endpoint is
measured before the first row and after each: a row's ratio is to the mean of the two around it,
since on a shared machine the load changes within minutes. Last, the start-up time of the command
line against importing Flask, SQLAlchemy and marshmallow alone.

Both servers run with the repository's gunicorn.conf.py, as production does, except that worker
recycling (GUNICORN_MAX_REQUESTS) is off: a worker restarted every few thousand requests would
measure the app's import time, not its requests. The access log goes to /dev/null, not the table.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import psycopg
import redis

from bench import dispatch, vrp
from bench import risk as risk_bench
from payments.localstripe import start_localstripe

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_DATABASE_NAME", "linli_bench")  # dropped and created anew by each run
REDIS_SERVER = os.environ.get("BENCH_REDIS_SERVER", "redis://127.0.0.1:6379")
REDIS_DB = 14  # the bench's; another is claimed when a test run holds it (tests claim 15 down)
REDIS_LOCK = "linli:test-run"  # the claim the test suite honours (tests/conftest.py)
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")
WORKERS = "2"
CATALOG_SIZE = int(os.environ.get("BENCH_CATALOG_SIZE", "100000"))
ONLY = os.environ.get("BENCH_ONLY", "")  # run only the rows whose name contains this


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk from Debian's packages ...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is needed: apt-get install wrk")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database() -> str:
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return SERVER.rsplit("/", 1)[0] + f"/{DB_NAME}"


def claim_redis() -> str:
    """An empty Redis database for the run, claimed as the tests claim theirs, so a test run
    never flushes the bench's caches and queues mid-run, nor the bench a test run's.

    Emptied first: cached pages of an earlier run's catalog must not answer this run's."""
    for number in [REDIS_DB, *(n for n in range(1, 16) if n != REDIS_DB)]:
        url = f"{REDIS_SERVER}/{number}"
        client = redis.Redis.from_url(url)
        if client.set(REDIS_LOCK, f"bench-{os.getpid()}", nx=True, ex=3600):
            client.flushdb()
            client.set(REDIS_LOCK, f"bench-{os.getpid()}", ex=3600)
            return url
    sys.exit("no free Redis database for the bench (all of 1-15 are claimed)")


def release_redis(url: str) -> None:
    client = redis.Redis.from_url(url)
    client.flushdb()


def app_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "GUNICORN_MAX_REQUESTS": "0",
        "SECRET_KEY": "bench-secret-key-long-enough-for-hs256",
        "LOG_LEVEL": "WARNING",
        # The login limits would throttle the token fetches of repeated runs.
        "LOGIN_RATE_LIMIT_PER_ADDRESS": "1000 per minute",
    }


@contextmanager
def gunicorn(target: str, env: dict[str, str]):
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", WORKERS, "-b", f"127.0.0.1:{port}", "--log-level", "warning", target],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz" if "bare" not in target else base + "/json", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"{target} did not start")
    try:
        yield base, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def worker_peak_rss_kib(master_pid: int) -> int:
    peak = 0
    for child in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        status = Path(f"/proc/{child}/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peak = max(peak, int(match.group(1)))
    return peak


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


CHECKOUT_SCRIPT = """
-- Each wrk thread is one resident with one connection: put a unit in the cart, check out, repeat.
-- The next request follows the last response, not a counter: wrk calls request() once before
-- the run to inspect it, which would otherwise skip the first cart line.
local tokens = {%s}
local next_token = 1
local threads = {}
function setup(thread)
  thread:set("token", tokens[next_token])
  next_token = next_token + 1
  table.insert(threads, thread)
end
local put_next, n = true, 0
function request()
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
  if put_next then
    return wrk.format("PUT", "/api/communities/1/stores/1/cart/lines", headers, '{"variant_id": 1, "quantity": 1}')
  end
  n = n + 1
  headers["Idempotency-Key"] = "bench-" .. token:sub(-12) .. "-" .. n
  return wrk.format("POST", "/api/communities/1/stores/1/checkout", headers, '{"fulfilment": "pickup"}')
end
-- What failed, and why: the first responses that were not 2xx, printed at the end.
failures = ""
function response(status, headers, body)
  if status >= 300 and #failures < 2000 then
    local what = put_next and "cart PUT" or "checkout"
    local text = string.sub(body or "", 1, 300):gsub("%%s+", " ")
    failures = failures .. "FAILED " .. status .. " " .. what .. " " .. text .. "\\n"
  end
  put_next = not put_next
end
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(thread:get("failures") or "")
  end
end
"""


def drive(wrk: str, url: str, headers: dict[str, str] | None = None, *, script: str | None = None,
          threads: int = 2, connections: str = CONNECTIONS) -> dict[str, float]:
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{DURATION}", "--latency", url]
    if script:
        command += ["-s", script]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    run = subprocess.run(command, capture_output=True, text=True, check=True)
    if run.stderr.strip():  # wrk reports a broken script here and then runs plain GETs instead
        sys.exit(f"wrk: {run.stderr.strip()}")
    out = run.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    for failure in re.findall(r"^(?:FAILED .*|\s*Socket errors:.*)$", out, re.M):
        print(f"  {failure.strip()}", flush=True)
    return {"rps": rps, "p50": p50, "p99": p99, "errors": int(non2xx.group(1)) if non2xx else 0}


def token(base: str, login: str) -> str:
    request = urllib.request.Request(
        base + "/api/auth/token",
        data=json.dumps({"login": login, "password": "demo12345"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    return json.load(urllib.request.urlopen(request))["access_token"]


def scenarios(token: Callable[[str], str], etag: Callable[[str, dict[str, str]], str]
              ) -> list[tuple[str, str, dict[str, str]]]:
    """The endpoints measured, with the headers of their callers (`token(login)` logs one in,
    `etag(path, headers)` is what a client that has the page would send back); later issues add
    their hot paths here. bench/profile.py profiles the same list."""
    manager = {"Authorization": f"Bearer {token('manager@demo.local')}"}
    resident = {"Authorization": f"Bearer {token('resident@demo.local')}"}
    catalog, availability = "/api/communities/1/products", "/api/communities/1/amenities/1/availability"
    return [
        ("GET /healthz", "/healthz", {}),
        ("GET /api/me (resident)", "/api/me", resident),
        ("GET /api/communities/1/residencies (manager list)", "/api/communities/1/residencies", manager),
        ("GET /api/communities/1/buildings/1/units (directory)", "/api/communities/1/buildings/1/units", resident),
        ("GET /api/communities/1/amenities/1/availability (7 days)", "/api/communities/1/amenities/1/availability",
         resident),
        ("GET /api/communities/1/service-requests (manager queue)",
         "/api/communities/1/service-requests?open=true&sort=deadline", manager),
        (f"GET /api/communities/1/products (catalog of {CATALOG_SIZE:,})", "/api/communities/1/products", resident),
        ("GET /api/communities/1/products?category_id=1", "/api/communities/1/products?category_id=1", resident),
        ("GET /api/communities/1/products?q=苹果 (search, Chinese)",
         "/api/communities/1/products?q=%E8%8B%B9%E6%9E%9C", resident),
        ("GET /api/communities/1/products?q=organic apple (search, English)",
         "/api/communities/1/products?q=organic%20apple", resident),
        # Services in stock follow the clock, so this page is computed on every request: what a
        # page costs when it is not in the cache.
        ("GET /api/communities/1/products?in_stock=true (never cached)", f"{catalog}?in_stock=true", resident),
        ("GET /api/communities/1/products, If-None-Match (304)", catalog,
         {**resident, "If-None-Match": etag(catalog, resident)}),
        ("GET /api/communities/1/amenities/1/availability, If-None-Match (304)", availability,
         {**resident, "If-None-Match": etag(availability, resident)}),
    ]


def etag(base: str, path: str, headers: dict[str, str]) -> str:
    with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers)) as response:
        return response.headers["ETag"]


def checkout_script(base: str) -> str:
    """Stock for the run (as the merchant) and the wrk script that drives cart + checkout."""
    merchant = token(base, "merchant@demo.local")
    request = urllib.request.Request(
        base + "/api/stores/1/variants/1", data=json.dumps({"stock": 1_000_000}).encode(), method="PATCH",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {merchant}"},
    )
    urllib.request.urlopen(request).read()
    tokens = ", ".join(f'"{token(base, login)}"' for login in ("resident@demo.local", "resident2@demo.local"))
    path = Path(tempfile.mkdtemp()) / "checkout.lua"
    path.write_text(CHECKOUT_SCRIPT % tokens)
    return str(path)


def startup_seconds(command: list[str], env: dict[str, str], runs: int = 5) -> float:
    """The fastest of a few runs: what the command costs, not what the busy machine adds."""
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - began)
    return best


def main() -> None:
    if ONLY and ONLY in "vrp":  # the solver alone needs no server
        vrp.main()
        return
    if ONLY and ONLY in "dispatch":  # nor does dispatch
        dispatch.main()
        return
    if ONLY and ONLY in "risk":  # nor does the credit model, in-process
        risk_bench.main()
        return
    wrk = ensure_wrk()
    database_url = fresh_database()
    redis_url = claim_redis()
    # Checkout creates PaymentIntents: localstripe serves them on loopback, in this process.
    stripe = start_localstripe()
    env = {
        **app_env(database_url, redis_url),
        "STRIPE_API_KEY": "sk_test_bench",
        "STRIPE_API_BASE": stripe.url,
        "STRIPE_WEBHOOK_SECRET": "whsec_bench",
        "STRIPE_CONNECT_FAKE": "true",
    }
    try:
        run_bench(wrk, env, database_url)
        if ONLY in "vrp":
            vrp.main()
        if ONLY in "dispatch":
            dispatch.main()
        if ONLY in "risk":
            risk_bench.main()
    finally:
        release_redis(redis_url)
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def seed(env: dict[str, str], database_url: str) -> None:
    """The demo data and the generated catalog, analysed."""
    subprocess.run([str(BIN / "alembic"), "upgrade", "head"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([str(BIN / "flask"), "--app", "app", "seed-demo"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"generating a catalog of {CATALOG_SIZE:,} products ...", flush=True)
    subprocess.run([str(BIN / "flask"), "--app", "app", "commerce", "seed-catalog", "--products", str(CATALOG_SIZE)],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    # A bulk load leaves the planner without statistics until autovacuum gets to it.
    with psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def run_bench(wrk: str, env: dict[str, str], database_url: str) -> None:
    seed(env, database_url)
    rows = []
    # Both servers are up for the whole run, and each row is measured between two runs of the bare
    # endpoint: on a machine others share, the load changes within minutes, so each row's ratio
    # is to the baseline of its own moment, and the table says what that baseline was.
    with gunicorn("bench.bare:create_app()", env) as (bare, bare_process), \
            gunicorn("app:create_app()", env) as (base, process):
        drive(wrk, bare + "/json")  # warm-up
        baseline = [drive(wrk, bare + "/json")]
        measured = [(name, partial(drive, wrk, base + path, headers), True)
                    for name, path, headers in scenarios(partial(token, base), partial(etag, base)) if ONLY in name]
        name = "PUT cart line + POST checkout (2 residents, 1 conn each)"
        if ONLY in name:
            measured.append((name, partial(drive, wrk, base + "/", script=checkout_script(base), threads=2,
                                           connections="2"), False))
        for name, run, warm_up in measured:
            if warm_up:
                run()  # connections, caches, compiled statements
            result = run()
            baseline.append(drive(wrk, bare + "/json"))
            around = (baseline[-2]["rps"] + baseline[-1]["rps"]) / 2
            rows.append((name, result, around, worker_peak_rss_kib(process.pid)))
        bare_rss = worker_peak_rss_kib(bare_process.pid)

    rates = [b["rps"] for b in baseline]
    print(f"\ngunicorn -w {WORKERS} (sync), wrk -t2 -c{CONNECTIONS} -d{DURATION}, on loopback; the bare endpoint "
          f"ran {len(rates)} times between the rows: {min(rates):.0f} to {max(rates):.0f} req/s\n")
    print(f"{'endpoint':<55} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'bare req/s':>11} {'vs bare':>8} "
          f"{'non-2xx':>8} {'worker RSS MiB':>15}")
    mean = sum(rates) / len(rates)
    print(f"{'bare Flask GET /json (baseline, mean)':<55} {mean:>9.0f} {'':>8} {'':>8} {mean:>11.0f} {1:>8.2f} "
          f"{0:>8} {bare_rss / 1024:>15.1f}")
    for name, result, around, rss in rows:
        print(f"{name:<55} {result['rps']:>9.0f} {result['p50']:>8.2f} {result['p99']:>8.2f} {around:>11.0f} "
              f"{result['rps'] / around:>8.2f} {result['errors']:>8} {rss / 1024:>15.1f}")

    if ONLY in "start-up":
        imports = startup_seconds([str(BIN / "python"), "-c", "import flask, sqlalchemy, marshmallow"], env)
        cli = startup_seconds([str(BIN / "flask"), "--app", "app", "--help"], env)
        print(f"\n{'start-up (fastest of 5)':<55} {'seconds':>9} {'vs imports':>11}")
        print(f"{'import flask, sqlalchemy, marshmallow':<55} {imports:>9.2f} {1:>11.2f}")
        print(f"{'flask --app app --help':<55} {cli:>9.2f} {cli / imports:>11.2f}")


if __name__ == "__main__":
    main()
