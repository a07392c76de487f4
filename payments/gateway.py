"""The one door to Stripe: the official SDK's client, plus the Connect transfers behind it.

Every call carries an idempotency key derived from our own ids, so a retried job or request
gets Stripe's first answer instead of moving money twice. Results are plain dicts.

localstripe (tests, `make run`) has no Connect accounts or transfers; with
`STRIPE_CONNECT_FAKE` the gateway's `transfer` is served by `FakeConnectTransfers` instead, and
everything else still goes through the real SDK to localstripe.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from typing import Any

import stripe
from flask import Flask, current_app

from payments.errors import PaymentProviderError, PaymentsNotConfigured

log = logging.getLogger(__name__)
_EXTENSION = "linli.payments.gateway"

# Wallets settle at once: only cards can be authorized now and captured later.
MANUAL_CAPTURE_TYPES = frozenset({"card"})


class FakeConnectTransfers:
    """Stands in for Stripe Connect transfers where the API behind us has none (localstripe).

    Idempotent like Stripe: the same key returns the same transfer.
    """

    def __init__(self) -> None:
        self._by_key: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def create(self, *, amount: int, currency: str, destination: str, key: str, metadata: dict) -> dict[str, Any]:
        with self._lock:
            if key not in self._by_key:
                self._by_key[key] = {
                    "id": "tr_fake_" + hashlib.sha256(key.encode()).hexdigest()[:16],
                    "object": "transfer",
                    "amount": amount,
                    "currency": currency.lower(),
                    "destination": destination,
                    "metadata": dict(metadata),
                    "created": int(time.time()),
                }
            return dict(self._by_key[key])


class StripeGateway:
    def __init__(self, client: stripe.StripeClient, *, fake_connect: FakeConnectTransfers | None = None) -> None:
        self.client = client
        self.fake_connect = fake_connect

    def _call(self, what: str, func, *args, **kwargs) -> dict[str, Any]:
        try:
            return func(*args, **kwargs).to_dict()
        except stripe.StripeError as exc:
            log.warning("stripe %s failed: %s", what, exc.user_message or exc)
            error = PaymentProviderError(exc.user_message or None, stripe_code=exc.code)
            error.uncertain = _uncertain(exc)
            raise error from None

    def create_intent(
        self, *, amount: int, currency: str, capture_method: str, payment_method_types: list[str],
        metadata: dict[str, str], key: str,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "amount": amount,
            "currency": currency.lower(),
            "capture_method": capture_method,
            "payment_method_types": payment_method_types,
            "metadata": metadata,
        }
        if "wechat_pay" in payment_method_types:
            params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
        return self._call("create intent", self.client.v1.payment_intents.create, params=params,
                          options={"idempotency_key": key})

    def retrieve_intent(self, intent_id: str, *, key: str) -> dict[str, Any]:
        return self._call("retrieve intent", self.client.v1.payment_intents.retrieve, intent_id,
                          options={"idempotency_key": key})

    def capture_intent(self, intent_id: str, *, amount: int, key: str) -> dict[str, Any]:
        return self._call("capture", self.client.v1.payment_intents.capture, intent_id,
                          params={"amount_to_capture": amount}, options={"idempotency_key": key})

    def cancel_intent(self, intent_id: str, *, key: str) -> dict[str, Any]:
        return self._call("cancel", self.client.v1.payment_intents.cancel, intent_id,
                          options={"idempotency_key": key})

    def refund(self, intent_id: str, *, amount: int, metadata: dict[str, str], key: str) -> dict[str, Any]:
        return self._call("refund", self.client.v1.refunds.create,
                          params={"payment_intent": intent_id, "amount": amount, "metadata": metadata},
                          options={"idempotency_key": key})

    def list_refunds(self, *, created_since: int, key: str) -> list[dict[str, Any]]:
        """Every refund at Stripe created at or after `created_since` (a Unix time), newest first.

        Pages through Stripe's list (newest first) and stops at the first older one, so it works
        where the API offers no `created` filter (localstripe).
        """
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 100}
        while True:
            page = self._call("list refunds", self.client.v1.refunds.list, params=params,
                              options={"idempotency_key": f"{key}:{len(found)}"})
            data = page.get("data") or []
            for refund in data:
                if int(refund.get("created") or 0) < created_since:
                    return found
                found.append(refund)
            if not page.get("has_more") or not data:
                return found
            params = {"limit": 100, "starting_after": data[-1]["id"]}

    def retrieve_refund(self, refund_id: str, *, key: str) -> dict[str, Any]:
        return self._call("retrieve refund", self.client.v1.refunds.retrieve, refund_id,
                          options={"idempotency_key": key})

    def charge_fee(self, charge_id: str, *, key: str) -> tuple[int, str]:
        """Stripe's fee on a charge and its currency, from the balance transaction (0 until there is one)."""
        charge = self._call("retrieve charge", self.client.v1.charges.retrieve, charge_id,
                            params={"expand": ["balance_transaction"]}, options={"idempotency_key": key})
        transaction = charge.get("balance_transaction")
        if not isinstance(transaction, dict):
            return 0, str(charge.get("currency", "")).upper()
        return int(transaction.get("fee") or 0), str(transaction["currency"]).upper()

    def transfer(self, *, amount: int, currency: str, destination: str, metadata: dict[str, str],
                 key: str) -> dict[str, Any]:
        """A Connect transfer from the platform's balance to a payee's connected account."""
        if self.fake_connect is not None:
            return self.fake_connect.create(amount=amount, currency=currency, destination=destination, key=key,
                                            metadata=metadata)
        return self._call("transfer", self.client.v1.transfers.create,
                          params={"amount": amount, "currency": currency.lower(), "destination": destination,
                                  "metadata": metadata},
                          options={"idempotency_key": key})


def _uncertain(exc: stripe.StripeError) -> bool:
    """Whether Stripe may have done what it was asked although the call failed (no answer, or its
    own error): the same call with the same idempotency key must be tried again later. A refusal
    (invalid request, card declined) is certain: nothing was done."""
    if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)):
        return True
    return exc.http_status is None or exc.http_status >= 500


def gateway() -> StripeGateway:
    """The app's gateway, built on first use from its settings (nothing connects at import)."""
    app = current_app._get_current_object()
    existing = app.extensions.get(_EXTENSION)
    if existing is None:
        existing = app.extensions[_EXTENSION] = _build(app)
    return existing


def _build(app: Flask) -> StripeGateway:
    config = app.config
    if not config.get("STRIPE_API_KEY"):
        raise PaymentsNotConfigured()
    base = {"api": config["STRIPE_API_BASE"]} if config.get("STRIPE_API_BASE") else None
    client = stripe.StripeClient(config["STRIPE_API_KEY"], base_addresses=base, max_network_retries=2)
    return StripeGateway(client, fake_connect=FakeConnectTransfers() if config.get("STRIPE_CONNECT_FAKE") else None)


def verify_webhook(payload: bytes, signature: str | None, secret: str | None, *, tolerance: int) -> dict[str, Any]:
    """The event of a webhook whose Stripe-Signature matches `secret` and is at most `tolerance` s old.

    Raises ValueError for a forged, stale or unreadable delivery.
    """
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise ValueError(str(exc)) from None
    if not isinstance(event, dict):
        raise ValueError("the event is not an object")
    return event
