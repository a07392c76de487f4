"""Factories of parcels."""
from __future__ import annotations

import factory

from community.parcels.models import Parcel
from core.models import utcnow
from tests.factories import Base, UnitFactory


class ParcelFactory(Base):
    """A parcel waiting at the desk for a unit."""

    class Meta:
        model = Parcel

    unit = factory.SubFactory(UnitFactory)
    unit_id = factory.SelfAttribute("unit.id")
    community_id = factory.SelfAttribute("unit.community_id")
    carrier = "顺丰"
    tracking_number = factory.Sequence(lambda n: f"SF{n:010d}")
    pickup_code = factory.Sequence(lambda n: f"{(n * 7919) % 1_000_000:06d}")
    arrived_at = factory.LazyFunction(utcnow)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("unit", None)
        return super()._create(model_class, *args, **kwargs)
