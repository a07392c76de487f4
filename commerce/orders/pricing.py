"""Prices a cart on the server: subtotal, a coupon's discount spread over its lines, fees, total.

Pure arithmetic on integers (minor units), with no database: the same function prices the cart a
resident looks at and the order checkout creates, so the two never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    key: int  # the caller's handle on the line (its cart line id)
    product_id: int
    category_id: int
    unit_price: int
    quantity: int

    @property
    def amount(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class CouponTerms:
    kind: str  # "fixed" or "percent"
    value: int  # minor units, or whole percent
    min_spend: int = 0
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()

    def applies_to(self, line: Line) -> bool:
        if not self.product_ids and not self.category_ids:
            return True
        return line.product_id in self.product_ids or line.category_id in self.category_ids


@dataclass(frozen=True)
class Quote:
    subtotal: int
    discount: int
    delivery_fee: int
    total: int
    line_discounts: dict[int, int] = field(default_factory=dict)  # by line key
    eligible_subtotal: int = 0


def coupon_discount(terms: CouponTerms, eligible_subtotal: int) -> int:
    """What the coupon takes off the lines it applies to (never more than they cost)."""
    if terms.kind == "percent":
        # Rounded down: the resident never gets a fen the merchant did not offer.
        off = eligible_subtotal * terms.value // 100
    else:
        off = terms.value
    return max(0, min(off, eligible_subtotal))


def spread(discount: int, lines: list[Line]) -> dict[int, int]:
    """Splits a discount over lines in proportion to their amounts; the last line takes the rounding.

    Refunds by line give back what the line really cost, so the shares must add up exactly.
    """
    total = sum(line.amount for line in lines)
    shares: dict[int, int] = {}
    given = 0
    for index, line in enumerate(lines):
        if index == len(lines) - 1:
            shares[line.key] = discount - given
        else:
            shares[line.key] = discount * line.amount // total if total else 0
            given += shares[line.key]
    return shares


def quote(lines: list[Line], *, delivery_fee: int = 0, coupon: CouponTerms | None = None) -> Quote:
    """The amounts of a cart; `coupon` is applied only if it applies to a line and its minimum is met."""
    subtotal = sum(line.amount for line in lines)
    discount, shares, eligible_subtotal = 0, {}, 0
    if coupon is not None:
        eligible = [line for line in lines if coupon.applies_to(line)]
        eligible_subtotal = sum(line.amount for line in eligible)
        if eligible and eligible_subtotal >= coupon.min_spend:
            discount = coupon_discount(coupon, eligible_subtotal)
            shares = spread(discount, eligible) if discount else {}
    return Quote(subtotal=subtotal, discount=discount, delivery_fee=delivery_fee,
                 total=subtotal - discount + delivery_fee, line_discounts=shares,
                 eligible_subtotal=eligible_subtotal)


def refund_for_units(line_total: int, quantity: int, refunded_quantity: int, units: int) -> int:
    """What `units` more of a line give back: its paid total per unit, the last unit taking the rest."""
    if refunded_quantity + units == quantity:
        already = line_total * refunded_quantity // quantity
        return line_total - already
    return line_total * (refunded_quantity + units) // quantity - line_total * refunded_quantity // quantity
