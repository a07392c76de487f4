"""Payments tests drive the real stripe SDK against localstripe on 127.0.0.1, cleared per test."""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
import stripe
from flask import Flask
from sqlalchemy.orm import Session

from core.db import db
from payments import service
from payments.localstripe import LocalStripe
from tests.conftest import STRIPE_WEBHOOK_SECRET

WEBHOOK_URL = "/api/payments/stripe/webhook"


@pytest.fixture(autouse=True)
def clean_localstripe(localstripe: LocalStripe) -> Iterator[None]:
    localstripe.clear()
    yield


@pytest.fixture
def stripe_client(localstripe: LocalStripe) -> stripe.StripeClient:
    """What the mobile client (and Stripe's dashboard) would do, through the same SDK."""
    return stripe.StripeClient("sk_test_linli", base_addresses={"api": localstripe.url})


@pytest.fixture
def session(app: Flask, connection) -> Iterator[Session]:
    """The app's session inside an app context, joined to the test's rolled-back transaction."""
    with app.app_context():
        yield db.session


def start(session: Session, payer, community, *, amount: int = 10_000, payee: str | None = "store:3",
          commit: bool = True, **kwargs):
    payment = service.record_payment(
        session, reference=kwargs.pop("reference", f"order:{uuid.uuid4().int % 10**6}"), payer_user_id=payer.id,
        community_id=community.id, amount=amount, payee=payee, **kwargs,
    )
    payment = service.request_intent(session, payment.id)
    if commit:
        session.commit()
    return payment


def confirm_with_card(stripe_client: stripe.StripeClient, intent_id: str, card: str = "pm_card_visa") -> dict:
    """The payer confirms with a test card. localstripe takes the method by update, then confirm."""
    stripe_client.v1.payment_intents.update(intent_id, params={"payment_method": card})
    try:
        return stripe_client.v1.payment_intents.confirm(intent_id).to_dict()
    except stripe.CardError:
        return stripe_client.v1.payment_intents.retrieve(intent_id).to_dict()


def stripe_event(kind: str, obj: dict, *, event_id: str | None = None) -> dict:
    """An Event as Stripe sends it to a webhook endpoint."""
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
        "data": {"object": obj},
    }


def signed(event: dict, *, secret: str = STRIPE_WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[str, dict]:
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    return payload, {"Stripe-Signature": header, "Content-Type": "application/json"}


def deliver(client, event: dict, **kwargs):
    payload, headers = signed(event, **kwargs)
    return client.post(WEBHOOK_URL, data=payload, headers=headers)


def ledger_check(app: Flask):
    """`flask --app app ledger check`, run through the app's own CLI."""
    return app.test_cli_runner().invoke(args=["ledger", "check"])


def refund(session: Session, payment_id: int, *, amount: int, reason: str = "退款", key: str):
    """What a use case does: book the refund and commit, then have Stripe pay it back."""
    booked = service.request_refund(session, payment_id, amount=amount, reason=reason, key=key)
    session.commit()
    return service.send_refund(session, booked.id)
