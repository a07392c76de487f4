"""/metrics sees Stripe: each call's latency by operation, failures by error, and webhook lag."""
import time

import pytest

from payments.errors import PaymentProviderError
from payments.gateway import gateway
from tests.core.test_metrics import scrape, value
from tests.factories import CommunityFactory, resident_of
from tests.payments.conftest import deliver, start, stripe_event


def test_stripe_calls_are_timed_by_operation_and_failures_counted_by_error(client, session):
    before = scrape(client)
    community = CommunityFactory()
    start(session, resident_of(community), community, amount=3_000)
    with pytest.raises(PaymentProviderError):
        gateway().retrieve_intent("pi_nobody_made", key="metrics-test")
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("linli_external_call_duration_seconds_count", service="stripe", operation="create intent") == 1
    assert grew("linli_external_call_duration_seconds_sum", service="stripe", operation="create intent") > 0
    assert grew("linli_external_call_duration_seconds_count", service="stripe", operation="retrieve intent") == 1
    assert grew("linli_external_call_errors_total", service="stripe", operation="retrieve intent",
                error="InvalidRequestError") == 1
    assert grew("linli_external_call_errors_total", service="stripe", operation="create intent",
                error="InvalidRequestError") == 0


def test_webhook_lag_is_now_minus_the_event_s_creation(client):
    before = scrape(client)
    event = stripe_event("payment_intent.succeeded", {"id": "pi_nobody_knows", "object": "payment_intent"})
    event["created"] = int(time.time()) - 120  # Stripe retried it for two minutes
    assert deliver(client, event).status_code == 200
    after = scrape(client)
    assert value(after, "linli_webhook_lag_seconds_count", source="stripe") == (
        value(before, "linli_webhook_lag_seconds_count", source="stripe") + 1)
    lag = value(after, "linli_webhook_lag_seconds_sum", source="stripe") - value(
        before, "linli_webhook_lag_seconds_sum", source="stripe")
    assert 120 <= lag < 150
    assert value(after, "linli_webhook_lag_seconds_bucket", source="stripe", le="60.0") == value(
        before, "linli_webhook_lag_seconds_bucket", source="stripe", le="60.0")
