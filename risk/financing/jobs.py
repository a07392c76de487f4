"""Financing's periodic jobs: delinquency every day, open offers recomputed every night."""
from __future__ import annotations

from core.db import db
from core.jobs import PeriodicJob, job
from risk.financing import service


@job("low", timeout=600)
def review_delinquency() -> dict[str, int]:
    return service.review_delinquency(db.session)


@job("low", timeout=1800)
def refresh_offers() -> int:
    return service.refresh_open_offers(db.session)


PERIODIC = [
    PeriodicJob("risk.financing.delinquency", review_delinquency, interval=86_400),
    PeriodicJob("risk.financing.refresh-offers", refresh_offers, interval=86_400),
]
