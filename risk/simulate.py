"""SYNTHETIC merchant histories with outcomes, so a first model can be trained before real defaults exist.

Nothing here is real data, and nothing pretends to be: every row carries `synthetic = 1`, and a
model trained on it says so in its card. The simulator draws each merchant's daily trade (orders,
sales, refunds, cancellations, late orders, reviews) from a small generative story, turns it into
the same `StoreFacts` windows commerce would report, and computes the rows with `risk.features`, so
the first model learns the exact features online scoring will compute.

The story, per merchant:
- a base order rate and ticket, a growth or decline rate, weekly and yearly seasonality;
- a hidden fragility and an operating quality: poor quality shows as refunds, cancellations, late
  orders, low reviews and few repeat customers; fragility and quality drive the hazard of default;
- shocks (a supplier lost, a road dug up): a sudden drop in orders that recovers slowly, and that
  raises the hazard for a while;
- a merchant heading for default declines first (fewer orders, more refunds and late orders over
  the months before), then goes dark.
A row is a merchant still trading on an observation date (month ends, so training can validate on
later months); its label `defaulted` is 1 when the merchant defaults within `HORIZON_DAYS` after it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from commerce.orders.facts import StoreFacts
from risk.features import FEATURE_NAMES, WINDOWS, History, compute_features

HORIZON_DAYS = 90  # a default within this many days after the date is the outcome to predict
HISTORY_DAYS = max(WINDOWS)
START = datetime(2025, 1, 1, tzinfo=UTC)  # the simulated calendar's first observation date


@dataclass(frozen=True)
class Simulation:
    merchants: int = 600
    months: int = 12  # observation dates, one a month (30 days apart)
    seed: int = 7
    annual_hazard: float = 0.15  # the typical merchant's yearly chance of default, before its traits


def _daily(rng: np.random.Generator, sim: Simulation):
    """Every merchant's daily trade, days [-pre, horizon): arrays of shape (merchants, days)."""
    m = sim.merchants
    pre = HISTORY_DAYS + 540  # older stores exist before the first date, so tenure varies
    days = pre + 30 * (sim.months - 1) + HORIZON_DAYS + 1
    t = np.arange(days) - pre  # day 0 is the first observation date
    opened = rng.integers(-pre, 30 * sim.months, size=m)  # some open during the observed months
    quality = rng.beta(5, 2, size=m)
    fragility = rng.normal(0, 1, size=m) - 0.8 * (quality - 0.7)
    base_orders = np.exp(rng.normal(math.log(8), 0.7, size=m))
    ticket = np.exp(rng.normal(math.log(4_500), 0.4, size=m))
    growth = rng.normal(0.05, 0.35, size=m) - 0.15 * fragility  # per year
    weekend = rng.uniform(-0.15, 0.45, size=m)
    season = rng.uniform(0.0, 0.25, size=m)
    phase = rng.uniform(0, 365, size=m)

    age = np.maximum(0, t[None, :] - opened[:, None])
    ramp = 1 - np.exp(-age / 45.0)  # a new store takes weeks to find its customers
    trend = np.exp(growth[:, None] * age / 365.0)
    weekly = 1 + weekend[:, None] * np.isin((t[None, :] % 7), (5, 6))
    yearly = 1 + season[:, None] * np.sin(2 * np.pi * (t[None, :] - phase[:, None]) / 365.0)

    # Shocks: a drop of 30-80 % that recovers over weeks, and a hazard that stays raised meanwhile.
    shock = np.ones((m, days))
    shock_hazard = np.zeros((m, days))
    for merchant in range(m):
        for start in np.flatnonzero(rng.random(days) < 1 / 500):
            depth, recovery = rng.uniform(0.3, 0.8), rng.uniform(10, 90)
            after = np.arange(days - start)
            shock[merchant, start:] *= 1 - depth * np.exp(-after / recovery)
            shock_hazard[merchant, start:] += depth * 2.5 * np.exp(-after / recovery)

    # Default: a daily hazard from fragility, quality and shocks; the first event is the default day.
    daily_hazard = (sim.annual_hazard / 365.0) * np.exp(0.9 * fragility[:, None] - 2.5 * (quality[:, None] - 0.7)
                                                        + shock_hazard)
    trading = t[None, :] >= opened[:, None]
    events = (rng.random((m, days)) < daily_hazard) & trading
    default_day = np.where(events.any(axis=1), t[np.argmax(events, axis=1)], np.iinfo(np.int64).max)
    runway = rng.uniform(60, 150, size=m)  # the decline before a default starts this long before it
    to_default = default_day[:, None] - t[None, :]
    decline = np.clip(to_default / runway[:, None], 0.0, 1.0)  # 1 far from default, 0 on the day
    decline = np.where(default_day[:, None] == np.iinfo(np.int64).max, 1.0, decline)
    alive = trading & (t[None, :] < default_day[:, None])

    rate = base_orders[:, None] * ramp * trend * weekly * yearly * shock * (0.55 + 0.45 * decline) * alive
    orders = rng.poisson(rate)
    sales = np.round(orders * ticket[:, None] * np.exp(rng.normal(0, 0.15, size=(m, days)))).astype(np.int64)
    strain = 1 - decline  # 0 while healthy, rising to 1 on the way to default
    refund_p = np.clip(0.01 + 0.08 * (1 - quality[:, None]) + 0.05 * strain, 0, 1)
    cancel_p = np.clip(0.005 + 0.04 * (1 - quality[:, None]) + 0.03 * strain, 0, 1)
    late_p = np.clip(0.02 + 0.15 * (1 - quality[:, None]) + 0.10 * strain, 0, 1)
    refunds = rng.binomial(orders, refund_p)
    refunded = np.round(refunds * ticket[:, None] * rng.uniform(0.3, 1.0, size=(m, days))).astype(np.int64)
    reviews = rng.binomial(orders, 0.06)
    rating = np.clip(2.2 + 2.8 * quality[:, None] - 1.2 * strain + rng.normal(0, 0.4, size=(m, days)), 1, 5)
    return {
        "t": t, "pre": pre, "opened": opened, "default_day": default_day, "quality": quality,
        "regulars_per_day": base_orders * (1.6 - 1.2 * quality),  # loyal stores serve a smaller circle
        "orders": orders, "sales": sales, "refunds": refunds, "refunded": refunded,
        "cancelled": rng.binomial(orders, cancel_p), "late": rng.binomial(orders, late_p),
        "reviews": reviews, "rating_total": np.round(reviews * rating).astype(np.int64),
    }


def _customers(orders: int, pool: float) -> tuple[int, int]:
    """Distinct and repeat customers of `orders` orders drawn from a merchant's pool of regulars: a
    store losing trade loses repeat customers first."""
    if orders == 0:
        return 0, 0
    pool = max(1.0, pool)
    miss = (1 - 1 / pool) ** orders
    once = orders / pool * (1 - 1 / pool) ** (orders - 1)
    customers = max(1, min(orders, round(pool * (1 - miss))))
    return customers, min(customers, orders // 2, round(pool * max(0.0, 1 - miss - once)))


def simulate(sim: Simulation | None = None) -> list[dict]:
    """Rows of (merchant, observation date, features, label), oldest date first. Deterministic per seed."""
    sim = sim or Simulation()
    rng = np.random.default_rng(sim.seed)
    world = _daily(rng, sim)
    pre = world["pre"]
    sums = {key: np.concatenate([np.zeros((sim.merchants, 1), np.int64), np.cumsum(world[key], axis=1)], axis=1)
            for key in ("orders", "sales", "refunds", "refunded", "cancelled", "late", "reviews", "rating_total")}
    rows = []
    for month in range(sim.months):
        day = 30 * month
        at = pre + day  # column index of the observation date; windows end before it
        as_of = START + timedelta(days=day)
        for merchant in range(sim.merchants):
            opened, default_day = int(world["opened"][merchant]), int(world["default_day"][merchant])
            if opened >= day or default_day < day:
                continue  # not open yet, or already gone: nobody would score it

            def window(days: int, merchant=merchant, opened=opened, at=at, as_of=as_of) -> StoreFacts:
                total = {key: int(sums[key][merchant, at] - sums[key][merchant, at - days]) for key in sums}
                customers, repeat = _customers(total["orders"], float(world["regulars_per_day"][merchant]) * days)
                return StoreFacts(
                    store_id=merchant + 1, as_of=as_of, since=as_of - timedelta(days=days),
                    opened_at=START + timedelta(days=opened), orders=total["orders"], sales=total["sales"],
                    daily_sales=tuple(int(v) for v in world["sales"][merchant, at - days:at]),
                    refunds=total["refunds"], refunded=total["refunded"],
                    cancelled_after_payment=total["cancelled"], late=total["late"], reviews=total["reviews"],
                    rating_total=total["rating_total"], customers=customers, repeat_customers=repeat,
                )

            history = History(as_of=as_of, opened_at=START + timedelta(days=opened), last_30=window(30),
                              last_90=window(90), last_180=window(180))
            rows.append({"store_id": merchant + 1, "as_of": as_of.date().isoformat(), "synthetic": 1,
                         **compute_features(history), "defaulted": int(default_day < day + HORIZON_DAYS)})
    return rows


def training_table(rows: list[dict]) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Feature columns, labels and observation dates (days since START) of simulated rows."""
    columns = {name: np.array([np.nan if row[name] is None else row[name] for row in rows], dtype=float)
               for name in FEATURE_NAMES}
    labels = np.array([row["defaulted"] for row in rows], dtype=int)
    times = np.array([(datetime.fromisoformat(row["as_of"]).replace(tzinfo=UTC) - START).days for row in rows],
                     dtype=float)
    return columns, labels, times
