"""Demo data of risk: a champion merchant model trained on SYNTHETIC histories (there are no real
repayment outcomes in a demo), and the demo merchant's fruit shop scored with an offer waiting."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce.seed import FRUIT_STORE
from commerce.stores.models import Store
from risk import merchant, queries, service
from risk.financing.service import refresh_offer

log = logging.getLogger(__name__)


def seed_demo(session: Session) -> None:
    store_id = session.scalar(select(Store.id).where(Store.name == FRUIT_STORE))
    if store_id is None:
        return
    if queries.champion(session, service.MERCHANT_MODEL) is None:
        from risk.training import TrainingConfig

        data = merchant.simulated_training_data(merchants=300, months=8, simulation_seed=7)
        run = merchant.train_merchant_model(data, TrainingConfig())
        version = merchant.register(session, run)
        service.promote_model_version(session, version.id)
        log.info("risk demo: merchant model v%s trained on synthetic histories, champion", version.version)
    offer = refresh_offer(session, store_id)
    log.info("risk demo: %s", f"the fruit shop is offered up to {offer.max_amount} fen" if offer else "no offer")
