"""Stripe's fee on a captured payment: read from the charge's balance transaction, posted once.

localstripe reports no fees (its charges have no balance transaction), so these tests answer the
two reads the fee job makes (the PaymentIntent, then its charge with `balance_transaction`
expanded) from a stand-in for that feature alone, in the JSON shape Stripe's API reference gives,
and go through the real SDK and gateway to it.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from payments import ledger
from payments.gateway import _EXTENSION, StripeGateway
from payments.models import PaymentStatus
from payments.service import record_stripe_fee
from tests.payments.conftest import ledger_check
from tests.payments.factories import PaymentFactory

INTENT = {"id": "pi_fee", "object": "payment_intent", "amount": 10_000, "currency": "cny",
          "status": "succeeded", "latest_charge": "ch_fee"}
CHARGE = {"id": "ch_fee", "object": "charge", "amount": 10_000, "currency": "cny",
          "balance_transaction": {"id": "txn_fee", "object": "balance_transaction", "amount": 10_000,
                                  "currency": "cny", "fee": 360, "net": 9_640, "type": "charge"}}


class _Stripe(BaseHTTPRequestHandler):
    def do_GET(self):
        found = {"/v1/payment_intents/pi_fee": INTENT, "/v1/charges/ch_fee": CHARGE}.get(self.path.split("?")[0])
        body = json.dumps(found or {"error": {"type": "invalid_request_error", "message": "No such object"}})
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def stripe_with_fees(app):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stripe)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    working = app.extensions.get(_EXTENSION)
    client = stripe.StripeClient("sk_test_linli", base_addresses={"api": f"http://127.0.0.1:{server.server_port}"},
                                 max_network_retries=0)
    app.extensions[_EXTENSION] = StripeGateway(client)
    yield
    app.extensions.pop(_EXTENSION, None)
    if working is not None:
        app.extensions[_EXTENSION] = working
    server.shutdown()


def test_the_fee_of_a_captured_payment_is_posted_once_as_an_expense(app, session, stripe_with_fees):
    payment = PaymentFactory(stripe_payment_intent_id="pi_fee", amount=10_000, amount_captured=10_000,
                             status=PaymentStatus.SUCCEEDED)
    session.commit()
    before = ledger.balance(session, ledger.CLEARING, "CNY")

    assert record_stripe_fee(payment.id) == 360
    assert record_stripe_fee(payment.id) == 360  # the job retried: the entry's key posts it once

    assert ledger.balance(session, ledger.STRIPE_FEES, "CNY") == 360
    assert ledger.balance(session, ledger.CLEARING, "CNY") == before - 360
    assert ledger_check(app).exit_code == 0


def test_a_payment_not_captured_has_no_fee_to_ask_for(app, session, stripe_with_fees):
    payment = PaymentFactory(stripe_payment_intent_id="pi_fee", status=PaymentStatus.AUTHORIZED,
                             capture_method="manual", amount_captured=0)
    session.commit()
    assert record_stripe_fee(payment.id) == 0
    assert ledger.balance(session, ledger.STRIPE_FEES, "CNY") == 0
