"""Payments' domain errors."""
from core.errors import Conflict, DomainError
from core.i18n import lazy_gettext as _l


class PaymentsNotConfigured(DomainError):
    status, code, title = 503, "payments_not_configured", _l("Payments are not configured on this server")


class PaymentProviderError(DomainError):
    status, code, title = 502, "payment_provider_error", _l("The payment provider refused or did not answer")
    # True when Stripe may have acted although the call failed (no answer, a 5xx): retry later with
    # the same idempotency key. False when Stripe refused: nothing was done.
    uncertain: bool = False


class InvalidWebhook(DomainError):
    status, code, title = 400, "invalid_webhook", _l("The webhook signature or payload is not valid")


class PaymentNotCapturable(Conflict):
    code, title = "payment_not_capturable", _l("Only an authorized payment can be captured")


class PaymentNotCancelable(Conflict):
    code, title = "payment_not_cancelable", _l("This payment can no longer be canceled")


class PaymentNotRefundable(Conflict):
    code, title = "payment_not_refundable", _l("Only a captured payment can be refunded")


class RefundExceedsCaptured(Conflict):
    code, title = "refund_exceeds_captured", _l("The refunds would exceed the amount captured")


class RefundKeyReused(Conflict):
    code, title = "refund_key_reused", _l("This refund key was used for another payment")
