"""Factories of visitor passes."""
from __future__ import annotations

from datetime import timedelta

import factory

from community.visitors.models import VisitorPass
from core.models import utcnow
from tests.factories import Base, ResidencyFactory


class VisitorPassFactory(Base):
    """A live pass issued by an approved resident for their own unit."""

    class Meta:
        model = VisitorPass

    residency = factory.SubFactory(ResidencyFactory)
    community_id = factory.SelfAttribute("residency.community_id")
    unit_id = factory.SelfAttribute("residency.unit_id")
    host_id = factory.SelfAttribute("residency.user_id")
    visitor_name = "王小明"
    visitor_phone = "13800138000"
    code = factory.Sequence(lambda n: f"T{n:07d}".replace("0", "Z").replace("1", "Y"))
    valid_from = factory.LazyFunction(lambda: utcnow() - timedelta(hours=1))
    valid_until = factory.LazyFunction(lambda: utcnow() + timedelta(hours=4))
    entries_allowed = 1
    entries_used = 0

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("residency", None)
        return super()._create(model_class, *args, **kwargs)
