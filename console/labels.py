"""The words the console shows for the API's codes (statuses, actions, clocks), in the reader's language."""
from __future__ import annotations

from core.i18n import lazy_gettext as _l

LABELS = {
    "request": {
        "new": _l("New"), "acknowledged": _l("Acknowledged"), "in_progress": _l("In progress"),
        "on_hold": _l("On hold"), "resolved": _l("Resolved"), "closed": _l("Closed"), "declined": _l("Declined"),
    },
    "action": {
        "acknowledge": _l("Acknowledge"), "start": _l("Start work"), "hold": _l("Put on hold"),
        "resume": _l("Resume"), "resolve": _l("Resolve"), "close": _l("Close"), "decline": _l("Decline"),
        "reopen": _l("Reopen"),
        # what else a request's history records
        "filed": _l("Filed"), "assigned": _l("Assigned"), "unassigned": _l("Unassigned"), "merged": _l("Merged"),
        "duplicate_merged": _l("A duplicate merged in"), "rated": _l("Rated"), "commented": _l("Commented"),
    },
    "clock": {
        "done": _l("Done"), "on_hold": _l("Clock stopped"), "on_track": _l("On track"),
        "due_soon": _l("Due soon"), "breached": _l("SLA breached"),
    },
    "residency": {
        "pending": _l("Pending"), "approved": _l("Approved"), "rejected": _l("Rejected"), "ended": _l("Ended"),
    },
    "order": {
        "awaiting_payment": _l("Awaiting payment"), "paid": _l("New"), "accepted": _l("Accepted"),
        "ready": _l("Ready"), "out_for_delivery": _l("Out for delivery"), "delivered": _l("Delivered"),
        "completed": _l("Completed"), "cancelled": _l("Cancelled"), "refunded": _l("Refunded"),
    },
    "return": {
        "requested": _l("Waiting for the store"), "approved": _l("Approved"), "rejected": _l("Rejected"),
        "withdrawn": _l("Withdrawn"),
    },
    "application": {
        "pending": _l("Pending"), "approved": _l("Approved"), "rejected": _l("Rejected"),
        "suspended": _l("Suspended"), "withdrawn": _l("Withdrawn"),
    },
    "parcel": {"waiting": _l("Waiting"), "collected": _l("Collected")},
    "fulfilment": {"pickup": _l("Pickup"), "delivery": _l("Delivery")},
    "statement": {
        "payment": _l("Sales"), "platform_commission": _l("Platform commission"),
        "community_commission": _l("Community commission"), "refund": _l("Refunds"),
        "commission_returned": _l("Commission returned"), "payout": _l("Payouts"),
        "refund_reversed": _l("Refund reversed"), "host_commission": _l("Pickup host's share"),
    },
}


def label(kind: str, code: str | None) -> str:
    if code is None:
        return ""
    return str(LABELS.get(kind, {}).get(code, code))
