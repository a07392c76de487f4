"""Checks of the arguments higher floors pass to payments' contract (they are not request bodies)."""
from __future__ import annotations

from typing import Any

from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l

MAX_AMOUNT = 99_999_999  # Stripe's ceiling for an amount in minor units


def invalid(field: str, message) -> InvalidInput:
    return InvalidInput(errors={field: [str(message)]})


def check_amount(amount: Any, field: str = "amount") -> None:
    if type(amount) is not int or not 1 <= amount <= MAX_AMOUNT:
        raise invalid(field, _l("Must be a whole number of minor units from 1 to 99999999."))


def check_text(value: Any, field: str, *, min_length: int, max_length: int) -> None:
    if not isinstance(value, str) or not min_length <= len(value) <= max_length:
        raise invalid(field, _l("Must be text of %(min)d to %(max)d characters.", min=min_length, max=max_length))
