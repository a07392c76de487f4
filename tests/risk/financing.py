"""Shared by the financing tests: a champion merchant model, and stores with histories it can score."""
from __future__ import annotations

from datetime import timedelta

from commerce.orders.models import OrderStatus
from core.models import utcnow
from risk import service
from risk.features import BY_NAME, FEATURE_NAMES
from risk.simulate import Simulation, simulate, training_table
from risk.training import ARTIFACT_FORMAT, CreditModel, TrainingConfig
from tests.commerce.factories import order_of, product_of, store_serving
from tests.factories import current_session, resident_of

_MODEL: list[bytes] = []


def model_bytes() -> bytes:
    """The merchant model trained once per test process on simulated histories."""
    if not _MODEL:
        columns, labels, times = training_table(simulate(Simulation(merchants=150, months=6, seed=11)))
        directions = {name: int(BY_NAME[name].risk) for name in FEATURE_NAMES if BY_NAME[name].risk}
        model = CreditModel(TrainingConfig(inner_folds=3, max_rounds=200, early_stopping_rounds=30)).fit(
            columns, labels, names=list(FEATURE_NAMES), monotone=directions, time=times)
        _MODEL.append(model.to_bytes())
    return _MODEL[0]


def make_champion(session=None):
    session = session or current_session()
    version = service.register_model_version(
        session, name=service.MERCHANT_MODEL, artifact=model_bytes(), artifact_format=ARTIFACT_FORMAT,
        features=[], params={}, metrics={}, data_fingerprint="0" * 64, training_rows=1, synthetic=True)
    return service.promote_model_version(session, version.id)


def trading_store(community, *, days: int = 200, every: int = 2, price: int = 20_000, customers: int = 6):
    """A store that has sold steadily for `days` days (an order every `every` days, delivered in hours,
    from a few regulars), so the model sees a healthy merchant. Returns (store, owner)."""
    store, owner = store_serving(community)
    now = utcnow()
    store.created_at = now - timedelta(days=days + 30)
    product = product_of(store, price=price, stock=1_000)
    regulars = [resident_of(community) for _ in range(customers)]
    for n, days_ago in enumerate(range(days, 0, -every)):
        order = order_of(store, community, regulars[n % customers], product=product, status=OrderStatus.COMPLETED)
        order.paid_at = now - timedelta(days=days_ago)
        order.delivered_at = order.paid_at + timedelta(hours=3)
    current_session().commit()
    return store, owner
