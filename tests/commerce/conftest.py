"""Commerce tests pay through the real stripe SDK on localstripe, and deliver Stripe's webhooks."""
from __future__ import annotations

import socket

import pytest
import stripe

from payments.localstripe import LocalStripe
from payments.models import Payment
from tests.factories import current_session
from tests.payments.conftest import confirm_with_card, deliver, stripe_event


@pytest.fixture
def stripe_client(localstripe: LocalStripe) -> stripe.StripeClient:
    """What the resident's app does with the client secret, through the same SDK."""
    return stripe.StripeClient("sk_test_linli", base_addresses={"api": localstripe.url})


def intent_of(payment_id: int) -> str:
    return current_session().get(Payment, payment_id).stripe_payment_intent_id


def pay(client, stripe_client: stripe.StripeClient, payment_id: int, *, card: str = "pm_card_visa") -> dict:
    """The resident confirms with a test card and Stripe tells us by webhook, as in production."""
    intent = confirm_with_card(stripe_client, intent_of(payment_id), card)
    kind = {"succeeded": "payment_intent.succeeded",
            "requires_capture": "payment_intent.amount_capturable_updated"}.get(intent["status"],
                                                                                 "payment_intent.payment_failed")
    response = deliver(client, stripe_event(kind, intent))
    assert response.status_code == 200, response.json
    current_session().expire_all()
    return intent


@pytest.fixture
def stripe_down(app):
    """Stripe unreachable for this test: the real SDK aimed at a loopback port nobody listens on.

    `down()` cuts it off, `back()` restores localstripe, as an outage and its end would.
    """
    from payments.gateway import _EXTENSION, StripeGateway

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    working = app.extensions.get(_EXTENSION)
    unreachable = StripeGateway(stripe.StripeClient("sk_test_linli", base_addresses={"api": dead},
                                                    max_network_retries=0))

    class Outage:
        def down(self) -> None:
            app.extensions[_EXTENSION] = unreachable

        def back(self) -> None:
            app.extensions.pop(_EXTENSION, None)
            if working is not None:
                app.extensions[_EXTENSION] = working

    outage = Outage()
    yield outage
    outage.back()
