"""A store's facts as of a date, for risk: only what had happened by then counts."""
from datetime import UTC, datetime, timedelta

from commerce.orders.facts import LATE_AFTER, _late, daily_totals, store_facts
from commerce.orders.models import OrderEvent, StoreReview
from payments.models import Refund, RefundStatus
from tests.commerce.factories import order_of, product_of, store_serving
from tests.factories import CommunityFactory, current_session, resident_of
from tests.payments.factories import PaymentFactory

AS_OF = datetime(2026, 11, 30, tzinfo=UTC)


def test_daily_totals_bucket_by_day_and_leave_out_what_is_outside():
    since = datetime(2026, 11, 1, 12, tzinfo=UTC)
    paid = [(datetime(2026, 11, 1, 23, tzinfo=UTC), 100), (datetime(2026, 11, 1, 13, tzinfo=UTC), 50),
            (datetime(2026, 11, 3, 1, tzinfo=UTC), 7), (datetime(2026, 11, 4, 1, tzinfo=UTC), 9),
            (datetime(2026, 10, 31, tzinfo=UTC), 1000)]
    assert daily_totals(paid, since, 3) == (150, 0, 7)


def test_late_means_handed_over_after_the_promise_or_still_waiting_past_it():
    paid = AS_OF - timedelta(days=3)
    assert not _late(paid, paid + LATE_AFTER / 2, None, AS_OF)
    assert _late(paid, paid + LATE_AFTER * 2, None, AS_OF)
    assert _late(paid, None, None, AS_OF)  # still not handed over, three days on
    assert not _late(paid, None, paid + timedelta(hours=1), AS_OF)  # cancelled: nothing to hand over
    assert _late(paid, AS_OF + timedelta(days=1), None, AS_OF)  # handed over only after the date: late then
    assert not _late(AS_OF - timedelta(hours=2), None, None, AS_OF)  # not due yet


def _paid(store, community, user, product, *, days_ago: float, delivered_after: timedelta | None = None):
    order = order_of(store, community, user, product=product)
    order.paid_at = AS_OF - timedelta(days=days_ago)
    order.delivered_at = order.paid_at + delivered_after if delivered_after else None
    current_session().commit()
    return order


def test_store_facts_count_only_what_happened_in_the_period_before_the_date(connection):
    community = CommunityFactory()
    store, _owner = store_serving(community)
    product = product_of(store, price=2_000)
    regular, once = resident_of(community), resident_of(community)
    _paid(store, community, regular, product, days_ago=10, delivered_after=timedelta(hours=2))
    _paid(store, community, regular, product, days_ago=5, delivered_after=timedelta(hours=30))  # late
    _paid(store, community, once, product, days_ago=3)  # never handed over: late
    _paid(store, community, once, product, days_ago=-1)  # after the date: not counted
    _paid(store, community, once, product, days_ago=40)  # before the period
    cancelled = _paid(store, community, once, product, days_ago=2)
    session = current_session()
    session.add(OrderEvent(order_id=cancelled.id, from_status="paid", to_status="cancelled",
                           created_at=AS_OF - timedelta(days=1)))
    payment = PaymentFactory(payee=f"store:{store.id}", status="refunded", amount=2_000, amount_captured=2_000,
                             amount_refunded=2_000)
    cancelled.payment_id = payment.id
    session.add_all([
        Refund(payment_id=payment.id, key="r1", amount=2_000, currency="CNY", reason="x",
               status=RefundStatus.SUCCEEDED, created_at=AS_OF - timedelta(days=1)),
        Refund(payment_id=payment.id, key="r2", amount=500, currency="CNY", reason="x",
               status=RefundStatus.SUCCEEDED, created_at=AS_OF + timedelta(hours=1)),  # after the date
        StoreReview(order_id=cancelled.id, store_id=store.id, user_id=once.id, rating=2,
                    created_at=AS_OF - timedelta(days=1)),
    ])
    session.commit()

    facts = store_facts(session, store.id, as_of=AS_OF, days=30)

    assert (facts.orders, facts.sales) == (4, 8_000)
    assert len(facts.daily_sales) == 30 and sum(facts.daily_sales) == 8_000 and facts.daily_sales[-2] == 2_000
    assert (facts.refunds, facts.refunded, facts.cancelled_after_payment) == (1, 2_000, 1)
    assert facts.late == 2
    assert (facts.reviews, facts.rating_total) == (1, 2)
    assert (facts.customers, facts.repeat_customers) == (2, 2)
