"""Stripe's webhook, and the platform's views of payments, commission rates and payouts."""
from flask import request
from flask.views import MethodView

from core.auth import current_actor
from core.db import db
from core.idempotency import idempotent
from core.pagination import PageArgs, page_of, paginate
from core.web import Blueprint
from payments import commission, exports, payer, queries, refunds, webhooks
from payments.schemas import (
    ClientSecretSchema,
    CommissionRateFilterSchema,
    CommissionRateSchema,
    ExportSchema,
    PaymentFilterSchema,
    PaymentReportSchema,
    PaymentSchema,
    PayoutFilterSchema,
    PayoutSchema,
    PeriodArgs,
    PlatformSummarySchema,
    RefundCreateSchema,
    RefundSchema,
    TestConfirmSchema,
    WebhookAckSchema,
)

blp = Blueprint("payments", __name__, url_prefix="/api/payments", description="Payments")

_WEBHOOK_DOC = {
    "description": (
        "Called by Stripe, not by clients: no bearer token. The `Stripe-Signature` header must sign the "
        "raw body with the endpoint's secret and be at most 5 minutes old (else 400). Each event id is "
        "applied once; repeats answer `duplicate: true`; events for unknown intents are acknowledged."
    ),
    "parameters": [{"in": "header", "name": "Stripe-Signature", "required": False, "schema": {"type": "string"}}],
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object", "description": "a Stripe Event"}}},
    },
}


@blp.route("/stripe/webhook")
class StripeWebhook(MethodView):
    @blp.public
    @blp.doc(**_WEBHOOK_DOC)
    @blp.response(200, WebhookAckSchema)
    @blp.errors(400)
    def post(self):
        """Stripe's webhook endpoint (signature verified, each event applied once)"""
        return webhooks.receive_stripe_event(db.session, request.get_data(), request.headers.get("Stripe-Signature"))


@blp.route("/payments")
class Payments(MethodView):
    @blp.arguments(PaymentFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(PaymentSchema))
    @blp.errors(401, 403, 422)
    def get(self, args, **page):
        """Payments, newest first (platform admins)"""
        return paginate(db.session, queries.payments(current_actor(), **args), page)


@blp.route("/payments/<int:payment_id>")
class PaymentDetail(MethodView):
    @blp.response(200, PaymentSchema)
    @blp.errors(401, 404)
    def get(self, payment_id):
        """One payment (platform admins)"""
        return queries.get_payment(db.session, current_actor(), payment_id)


@blp.route("/payments/<int:payment_id>/refunds")
class PaymentRefunds(MethodView):
    @idempotent
    @blp.arguments(RefundCreateSchema)
    @blp.response(201, RefundSchema)
    @blp.errors(401, 403, 404, 409, 422, 502, 503)
    def post(self, body, payment_id):
        """Refund part or all of a captured payment (platform admins)"""
        return refunds.issue_refund(db.session, current_actor(), payment_id, **body)


@blp.route("/commission-rates")
class CommissionRates(MethodView):
    @blp.arguments(CommissionRateFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(CommissionRateSchema))
    @blp.errors(401, 403, 422)
    def get(self, args, **page):
        """Commission rates per community and store category (platform admins)"""
        return paginate(db.session, queries.commission_rates(current_actor(), **args), page)

    @blp.arguments(CommissionRateSchema)
    @blp.response(200, CommissionRateSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def put(self, body):
        """Set the rates of a community (or the default) and a store category (platform admins)"""
        return commission.set_commission_rate(db.session, current_actor(), **body)


@blp.route("/payouts")
class Payouts(MethodView):
    @blp.arguments(PayoutFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(PayoutSchema))
    @blp.errors(401, 403, 422)
    def get(self, args, **page):
        """Payouts with their statements, newest first (platform admins)"""
        return paginate(db.session, queries.visible_payouts(current_actor(), **args), page)


@blp.route("/payouts/<int:payout_id>")
class PayoutDetail(MethodView):
    @blp.response(200, PayoutSchema)
    @blp.errors(401, 404)
    def get(self, payout_id):
        """One payout and its statement lines (platform admins)"""
        return queries.get_payout(db.session, current_actor(), payout_id)


@blp.route("/confirmations")
class PaymentConfirmations(MethodView):
    @blp.arguments(ClientSecretSchema)
    @blp.response(200, PaymentReportSchema)
    @blp.errors(401, 404, 422, 502)
    def post(self, body):
        """The payer's app confirmed a PaymentIntent: the server asks Stripe now and applies its answer"""
        return payer.report_confirmed(db.session, current_actor(), **body)


@blp.route("/test-mode/confirm")
class TestModeConfirm(MethodView):
    @blp.arguments(TestConfirmSchema)
    @blp.response(200, PaymentReportSchema)
    @blp.errors(401, 404, 422, 502)
    def post(self, body):
        """Test mode only (404 with live keys): confirm your PaymentIntent with a Stripe test card"""
        return payer.confirm_in_test_mode(db.session, current_actor(), **body)


@blp.route("/exports/<int:export_id>")
class ExportDownload(MethodView):
    @blp.response(200, ExportSchema, description="The export while it is being made (202), or its CSV (200)")
    @blp.alt_response(202, schema=ExportSchema)
    @blp.errors(401, 404)
    def get(self, export_id):
        """Download an export you asked for (a CSV), or see that it is still being made (202)"""
        export = exports.get_export(db.session, current_actor(), export_id)
        if export.status != "done":
            return export, 202
        response = exports.csv_response(export.filename, [])
        response.set_data(export.content)
        return response


@blp.route("/summary")
class PlatformSummary(MethodView):
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, PlatformSummarySchema)
    @blp.errors(401, 403, 422)
    def get(self, args):
        """The platform's GMV, commission, community shares, refunds and payouts per month (platform admins)"""
        return queries.platform_summary(db.session, current_actor(), first=args.get("from_"), last=args.get("to"))
