"""Financing's arithmetic without a database: offers from bands and sales, the fee earned as repaid,
the remittance share, and days past due by the oldest minimum not met."""
from datetime import UTC, datetime, timedelta

import pytest

from risk.financing import terms

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_better_bands_get_more_for_less_and_band_e_or_no_sales_get_nothing():
    offers = {band: terms.offer_terms(band, 900_000, min_amount=50_000, store_limit=10_000_000) for band in "ABCDE"}
    assert offers["E"] is None and terms.offer_terms("A", 0, min_amount=50_000, store_limit=10**7) is None
    assert [offers[b].max_amount for b in "ABCD"] == [450_000, 370_000, 300_000, 150_000]  # 1.5x .. 0.5x a month
    fees = [offers[b].fee_bp for b in "ABCD"]
    assert fees == sorted(fees) and offers["D"].auto_limit == 0 and offers["A"].auto_limit == 450_000
    assert all(offers[b].max_amount % terms.ROUND_TO == 0 for b in "ABCD")


def test_an_offer_is_capped_by_the_store_limit_and_refused_below_the_minimum():
    assert terms.offer_terms("A", 30_000_000, min_amount=50_000, store_limit=1_000_000).max_amount == 1_000_000
    assert terms.offer_terms("D", 200_000, min_amount=50_000, store_limit=10**7) is None  # 33,333 a month


@pytest.mark.parametrize("amounts", [[1] * 104, [37, 1, 66], [104], [50, 54], [3, 3, 3, 95]])
def test_the_fee_parts_of_all_repayments_add_up_to_the_fee(amounts):
    fee, total, repaid, parts = 4, 104, 0, []
    for amount in amounts:
        parts.append(terms.fee_part(fee, total, repaid, amount))
        repaid += amount
    assert sum(parts) == fee and all(p >= 0 for p in parts)


def test_a_remittance_takes_its_share_of_new_net_sales_and_never_more_than_is_outstanding():
    assert terms.remittance(50_000, 1_000, 10**6) == 5_000
    assert terms.remittance(50_000, 1_000, 1_200) == 1_200
    assert terms.remittance(-3_000, 1_000, 10**6) == 0  # refunds outweighed sales


def test_days_past_due_count_from_the_oldest_minimum_not_met():
    args = {"total_due": 1_000, "minimum": 300, "period_days": 30, "disbursed_at": T0}
    assert terms.days_past_due(repaid=0, now=T0 + timedelta(days=29), **args) == 0
    assert terms.days_past_due(repaid=0, now=T0 + timedelta(days=45), **args) == 15
    assert terms.days_past_due(repaid=300, now=T0 + timedelta(days=45), **args) == 0  # the first period met
    assert terms.days_past_due(repaid=300, now=T0 + timedelta(days=75), **args) == 15
    assert terms.days_past_due(repaid=900, now=T0 + timedelta(days=130), **args) == 10  # the rest was due at 120
    assert terms.days_past_due(repaid=1_000, now=T0 + timedelta(days=999), **args) == 0
    assert terms.min_repayment(1_000, 1_667) == 167
