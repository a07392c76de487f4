"""GET /metrics: requests by route, the job queues, and who may read it."""
import pytest
from prometheus_client.parser import text_string_to_metric_families
from rq import SimpleWorker

from app import create_app
from core.jobs import jobs
from core.metrics import UNMATCHED
from tests.conftest import SECRET, bearer
from tests.factories import CommunityFactory, resident_of

TOKEN = "metrics-token-that-is-long-enough-for-the-check"


def scrape(client, **kwargs) -> dict[tuple, float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def fail_for_good():
    raise RuntimeError("a job that fails")


def test_requests_are_counted_and_timed_by_route_never_by_path(client):
    community = CommunityFactory()
    resident = resident_of(community)
    rule = "/api/communities/<int:community_id>/buildings"
    before = scrape(client)
    for _ in range(3):
        assert client.get(f"/api/communities/{community.id}/buildings", headers=bearer(resident.id)).status_code == 200
    client.get("/api/me")
    client.get(f"/no/such/{community.id}")
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("linli_http_requests_total", method="GET", route=rule, status="200") == 3
    assert grew("linli_http_request_duration_seconds_count", method="GET", route=rule) == 3
    assert grew("linli_http_request_duration_seconds_sum", method="GET", route=rule) > 0
    assert grew("linli_http_requests_total", method="GET", route="/api/me", status="401") == 1
    assert grew("linli_http_requests_total", method="GET", route=UNMATCHED, status="404") == 1
    routes = {dict(labels).get("route") for _, labels in after}
    assert not any(str(community.id) in (route or "") for route in routes), routes


def test_unknown_methods_share_one_label(client):
    labels = {"method": "OTHER", "route": UNMATCHED, "status": "405"}  # no rule matched the method
    before = value(scrape(client), "linli_http_requests_total", **labels)
    assert client.open("/api/me", method="BREW").status_code == 405
    assert value(scrape(client), "linli_http_requests_total", **labels) == before + 1


def test_queue_depth_and_failures_are_read_from_redis(app, client, redis):
    jobs_before = scrape(client)
    assert value(jobs_before, "linli_job_queues_up") == 1
    assert value(jobs_before, "linli_job_queue_depth", queue="low") == 0
    with app.app_context():
        jobs.queue("low").enqueue(fail_for_good)
        jobs.queue("low").enqueue(fail_for_good)
    assert value(scrape(client), "linli_job_queue_depth", queue="low") == 2
    with app.app_context():
        SimpleWorker([jobs.queue("low")], connection=redis).work(burst=True)
    after = scrape(client)
    assert value(after, "linli_job_queue_depth", queue="low") == 0
    assert value(after, "linli_jobs_failed", queue="low") == 2
    assert value(after, "linli_jobs_failed", queue="high") == 0


def test_without_redis_there_are_no_queue_metrics(sqlite_app):
    samples = scrape(sqlite_app.test_client())
    assert not any(name.startswith("linli_job") for name, _ in samples)


def test_without_a_token_only_direct_loopback_connections_may_read(client):
    scrape(client)  # the test client connects from 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 404
    # A proxy on the same host connects from loopback for clients anywhere.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


@pytest.fixture
def app_with(database_url, redis_url):
    def build(**settings):
        return create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": SECRET,
                           "LOG_LEVEL": "ERROR", **settings})

    return build


def test_in_production_without_a_token_nobody_may_read(app_with):
    production = app_with(LINLI_ENV="production", STRIPE_API_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    assert production.test_client().get("/metrics").status_code == 404


def test_with_a_token_whoever_sends_it_may_read_and_nobody_else(app_with):
    client = app_with(METRICS_TOKEN=TOKEN).test_client()
    far = {"REMOTE_ADDR": "203.0.113.7"}
    scrape(client, headers={"Authorization": f"Bearer {TOKEN}"}, environ_base=far)
    for headers in ({}, {"Authorization": f"Bearer {TOKEN[:-1]}"}, {"Authorization": TOKEN}):
        refused = client.get("/metrics", headers=headers, environ_base=far)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics").status_code == 401  # loopback too: the token is the rule


def test_the_scraper_may_ask_for_openmetrics(client):
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert response.mimetype == "application/openmetrics-text"
    assert response.get_data(as_text=True).rstrip().endswith("# EOF")
