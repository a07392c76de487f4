"""Who may do what with payments: platform staff only (higher floors expose their own views)."""
from enum import StrEnum

from core.auth import Actor
from core.policy import rule


class Permission(StrEnum):
    PAYMENT_VIEW = "payments:payment:view"
    PAYMENT_REFUND = "payments:payment:refund"
    COMMISSION_MANAGE = "payments:commission_rate:manage"
    PAYOUT_VIEW = "payments:payout:view"
    PLATFORM_REPORTS = "payments:platform_report:view"


@rule(Permission.PAYMENT_VIEW, Permission.PAYMENT_REFUND, Permission.COMMISSION_MANAGE, Permission.PAYOUT_VIEW,
      Permission.PLATFORM_REPORTS)
def _platform_only(actor: Actor, _obj) -> bool:
    return False  # platform admins pass before any rule
