"""`make profile`: where one request of each benchmarked endpoint spends its time, by pyinstrument.

Seeds the bench's database as `make bench` does (or reuses it with BENCH_REUSE=1), then runs each
scenario of bench/run.py in this process through Flask's test client, with no gunicorn or
network in between, and prints per endpoint the wall and CPU time of one request and the top of
pyinstrument's call tree. BENCH_ONLY narrows it as in `make bench`; PROFILE_REQUESTS (default
200) is how many requests each profile averages; PROFILE_DEPTH how many lines of the tree print.
"""
from __future__ import annotations

import os
import sys
import time

from pyinstrument import Profiler

from bench import run

REQUESTS = int(os.environ.get("PROFILE_REQUESTS", "200"))
LINES = int(os.environ.get("PROFILE_DEPTH", "40"))


def main() -> None:
    if os.environ.get("BENCH_REUSE") != "1":
        run.fresh_database()
    database_url = run.SERVER.rsplit("/", 1)[0] + f"/{run.DB_NAME}"
    redis_url = run.claim_redis()
    env = run.app_env(database_url, redis_url)
    try:
        if os.environ.get("BENCH_REUSE") != "1":
            run.seed(env, database_url)
        os.environ.update(env)
        profile_all()
    finally:
        run.release_redis(redis_url)


def profile_all() -> None:
    from app import create_app  # after the environment is set: create_app reads it

    app = create_app()
    client = app.test_client()

    def token(login: str) -> str:
        response = client.post("/api/auth/token", json={"login": login, "password": "demo12345"})
        if response.status_code != 200:
            sys.exit(f"logging in as {login}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        return response.json["access_token"]

    def etag(path: str, headers: dict[str, str]) -> str:
        return client.get(path, headers=headers).headers["ETag"]

    for name, path, headers in run.scenarios(token, etag):
        if run.ONLY not in name:
            continue
        for _ in range(20):  # warm-up: connections, caches, compiled statements
            response = client.get(path, headers=headers)
        if response.status_code >= 400:
            sys.exit(f"{name}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        profiler = Profiler(interval=0.0002)
        wall, cpu = time.perf_counter(), time.process_time()
        with profiler:
            for _ in range(REQUESTS):
                client.get(path, headers=headers)
        wall, cpu = (time.perf_counter() - wall) / REQUESTS, (time.process_time() - cpu) / REQUESTS
        print(f"\n=== {name}: {wall * 1000:.2f} ms a request, {cpu * 1000:.2f} ms of it CPU, "
              f"{response.status_code}, {len(response.get_data())} bytes")
        text = profiler.output_text(unicode=True, color=False, show_all=False)
        tree = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith(("_", "/"))]
        print("\n".join(tree[:LINES]))


if __name__ == "__main__":
    main()
