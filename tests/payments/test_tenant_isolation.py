"""Payments' endpoints are the platform's: anyone else gets 403 on lists and actions, 404 on objects."""
import pytest

from community.models import StaffRole
from payments import webhooks
from tests.conftest import bearer
from tests.factories import CommunityFactory, UserFactory, resident_of, staff_of
from tests.payments.conftest import confirm_with_card, start
from tests.payments.factories import PaymentFactory


@pytest.fixture
def world(connection):
    community = CommunityFactory()
    payer = resident_of(community)
    payment = PaymentFactory(payer=payer, community=community, amount=2_000, status="succeeded",
                             amount_captured=2_000)
    people = {
        "payer": payer,
        "neighbour": resident_of(community),
        "manager": staff_of(community),
        "guard": staff_of(community, StaffRole.GUARD),
        "outsider": resident_of(CommunityFactory()),
        "admin": UserFactory(platform_role="admin"),
    }
    return payment, people


NON_ADMINS = ("payer", "neighbour", "manager", "guard", "outsider")
ENDPOINTS = [
    ("GET", "/api/payments/payments", None, 403),
    ("GET", "/api/payments/payments/{payment}", None, 404),
    ("POST", "/api/payments/payments/{payment}/refunds", {"amount": 100, "reason": "x"}, 404),
    ("GET", "/api/payments/commission-rates", None, 403),
    ("PUT", "/api/payments/commission-rates", {"platform_rate_bps": 0, "community_rate_bps": 0}, 403),
    ("GET", "/api/payments/payouts", None, 403),
    ("GET", "/api/payments/payouts/1", None, 404),
]


@pytest.mark.parametrize("who", NON_ADMINS)
@pytest.mark.parametrize("method, url, body, expected", ENDPOINTS, ids=[f"{m} {u}" for m, u, _, _ in ENDPOINTS])
def test_only_the_platform_reaches_payments(client, world, who, method, url, body, expected):
    payment, people = world
    response = client.open(url.format(payment=payment.id), method=method, json=body,
                           headers=bearer(people[who].id))
    assert response.status_code == expected, response.json


@pytest.mark.parametrize("method, url, body, expected", ENDPOINTS, ids=[f"{m} {u}" for m, u, _, _ in ENDPOINTS])
def test_anonymous_callers_get_401(client, world, method, url, body, expected):
    payment, _ = world
    assert client.open(url.format(payment=payment.id), method=method, json=body).status_code == 401


def test_the_platform_admin_reaches_them_and_never_sees_the_client_secret(client, session, world, stripe_client):
    community, people = CommunityFactory(), world[1]
    payment = start(session, people["payer"], community, amount=2_000)
    confirm_with_card(stripe_client, payment.stripe_payment_intent_id)
    webhooks.reconcile_payment(session, payment.id)
    headers = bearer(people["admin"].id)
    listed = client.get("/api/payments/payments", query_string={"reference": payment.reference}, headers=headers)
    assert listed.status_code == 200 and [p["id"] for p in listed.json["items"]] == [payment.id]
    detail = client.get(f"/api/payments/payments/{payment.id}", headers=headers)
    assert detail.status_code == 200 and detail.json["status"] == "succeeded"
    assert "client_secret" not in detail.json and payment.client_secret not in detail.get_data(as_text=True)
    refund = client.post(f"/api/payments/payments/{payment.id}/refunds", json={"amount": 500, "reason": "客服"},
                         headers=headers)
    assert refund.status_code == 201 and refund.json["amount"] == 500 and refund.json["status"] == "succeeded"
    too_much = client.post(f"/api/payments/payments/{payment.id}/refunds", json={"amount": 1_501, "reason": "x"},
                           headers=headers)
    assert too_much.status_code == 409 and too_much.json["code"] == "refund_exceeds_captured"
    assert client.get("/api/payments/payouts", query_string={"payee": "store:3"}, headers=headers).status_code == 200
    assert client.get("/api/payments/payouts/999999", headers=headers).status_code == 404


@pytest.mark.parametrize(
    "url, body",
    [
        ("/api/payments/payments/{payment}/refunds", {"amount": 0, "reason": "x"}),
        ("/api/payments/payments/{payment}/refunds", {"amount": "100", "reason": "x"}),
        ("/api/payments/payments/{payment}/refunds", {"amount": 100_000_000, "reason": "x"}),
        ("/api/payments/payments/{payment}/refunds", {"amount": 100}),
        ("/api/payments/payments/{payment}/refunds", {"amount": 100, "reason": ""}),
        ("/api/payments/payments/{payment}/refunds", {"amount": 100, "reason": "x" * 201}),
    ],
)
def test_bad_refund_requests_are_422(client, world, url, body):
    payment, people = world
    response = client.post(url.format(payment=payment.id), json=body, headers=bearer(people["admin"].id))
    assert response.status_code == 422 and response.content_type == "application/problem+json"


@pytest.mark.parametrize(
    "query",
    [{"status": "lost"}, {"community_id": 0}, {"reference": "x" * 101}, {"page_size": 1000}],
)
def test_bad_payment_filters_are_422(client, world, query):
    _, people = world
    response = client.get("/api/payments/payments", query_string=query, headers=bearer(people["admin"].id))
    assert response.status_code == 422


def test_a_bad_payee_filter_is_422(client, world):
    _, people = world
    response = client.get("/api/payments/payouts", query_string={"payee": "store 3"},
                          headers=bearer(people["admin"].id))
    assert response.status_code == 422
