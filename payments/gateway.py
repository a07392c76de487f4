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
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from core.metrics import timed_call
from payments.errors import PaymentProviderError, PaymentsNotConfigured

if TYPE_CHECKING:  # the SDK itself is imported where it is used: with aiohttp and requests it costs a
    import stripe  # tenth of a second, and most commands and requests never call Stripe

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


# Stripe's test PaymentMethods, as the card numbers an emulator (localstripe) knows them by: it
# knows only pm_card_visa by name, and would take a declining card's name for a good card.
TEST_CARDS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_chargeDeclined": "4000000000000341",  # attaches, then the charge is declined
    "pm_card_authenticationRequired": "4000002500003155",  # 3-D Secure: the intent requires_action
}


class FakeConnectAccounts:
    """Stands in for Stripe Connect Express accounts and their onboarding links (localstripe has none)."""

    def create(self, *, payee: str, key: str) -> dict[str, Any]:
        return {"id": "acct_fake_" + hashlib.sha256(key.encode()).hexdigest()[:16], "object": "account",
                "type": "express", "metadata": {"payee": payee}, "payouts_enabled": True, "details_submitted": True}

    def link(self, account_id: str, *, return_url: str) -> dict[str, Any]:
        return {"object": "account_link", "url": f"{return_url}?account={account_id}&onboarding=test-mode",
                "expires_at": int(time.time()) + 300}


class StripeGateway:
    def __init__(self, client: stripe.StripeClient, *, fake_connect: FakeConnectTransfers | None = None,
                 emulator: bool = False) -> None:
        self.client = client
        self.fake_connect = fake_connect
        self.fake_accounts = FakeConnectAccounts() if fake_connect is not None else None
        self.emulator = emulator  # an emulator on loopback (localstripe) stands in for Stripe

    def confirm_with_test_card(self, intent_id: str, payment_method: str, *, key: str) -> dict[str, Any]:
        """Test mode only: confirms an intent with one of Stripe's test PaymentMethods, as the payer's
        app would. A declined card or one that needs authentication is an answer, not an error."""
        import stripe

        method = payment_method
        if self.emulator:
            created = self._call("create test card", self.client.v1.payment_methods.create, params={
                "type": "card", "card": {"number": TEST_CARDS[payment_method], "exp_month": 12, "exp_year": 2030,
                                         "cvc": "123"}}, options={"idempotency_key": f"{key}:method"})
            method = created["id"]
        self._call("attach test card", self.client.v1.payment_intents.update, intent_id,
                   params={"payment_method": method}, options={"idempotency_key": f"{key}:update"})
        try:
            return self.client.v1.payment_intents.confirm(
                intent_id, options={"idempotency_key": f"{key}:confirm"}).to_dict()
        except stripe.CardError:
            return self.retrieve_intent(intent_id, key=f"{key}:declined")

    def create_connected_account(self, *, payee: str, key: str) -> dict[str, Any]:
        """A Stripe Connect Express account for a payee (a store), onboarded through `account_link`."""
        if self.fake_accounts is not None:
            return self.fake_accounts.create(payee=payee, key=key)
        return self._call("create account", self.client.v1.accounts.create,
                          params={"type": "express", "metadata": {"payee": payee},
                                  "capabilities": {"transfers": {"requested": True}}},
                          options={"idempotency_key": key})

    def account_link(self, account_id: str, *, return_url: str, key: str) -> dict[str, Any]:
        """Where the payee finishes onboarding (Stripe-hosted; short-lived, asked for again when expired)."""
        if self.fake_accounts is not None:
            return self.fake_accounts.link(account_id, return_url=return_url)
        return self._call("account link", self.client.v1.account_links.create,
                          params={"account": account_id, "type": "account_onboarding", "refresh_url": return_url,
                                  "return_url": return_url}, options={"idempotency_key": key})

    def retrieve_account(self, account_id: str, *, key: str) -> dict[str, Any]:
        if self.fake_accounts is not None:
            return {"id": account_id, "payouts_enabled": True, "details_submitted": True}
        return self._call("retrieve account", self.client.v1.accounts.retrieve, account_id,
                          options={"idempotency_key": key})

    def _call(self, what: str, func, *args, **kwargs) -> dict[str, Any]:
        import stripe

        try:
            with timed_call("stripe", what):  # /metrics: latency by operation, errors by class
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
    import stripe

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
    import stripe

    config = app.config
    if not config.get("STRIPE_API_KEY"):
        raise PaymentsNotConfigured()
    base = {"api": config["STRIPE_API_BASE"]} if config.get("STRIPE_API_BASE") else None
    client = stripe.StripeClient(config["STRIPE_API_KEY"], base_addresses=base, max_network_retries=2)
    return StripeGateway(client, fake_connect=FakeConnectTransfers() if config.get("STRIPE_CONNECT_FAKE") else None,
                         emulator=bool(config.get("STRIPE_API_BASE")))


def in_test_mode(app: Flask) -> bool:
    """Test mode: a test key (`sk_test_...`), as with localstripe; live keys never offer test calls."""
    return str(app.config.get("STRIPE_API_KEY") or "").startswith("sk_test_")


def verify_webhook(payload: bytes, signature: str | None, secret: str | None, *, tolerance: int) -> dict[str, Any]:
    """The event of a webhook whose Stripe-Signature matches `secret` and is at most `tolerance` s old.

    Raises ValueError for a forged, stale or unreadable delivery.
    """
    import stripe

    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise ValueError(str(exc)) from None
    if not isinstance(event, dict):
        raise ValueError("the event is not an object")
    return event
