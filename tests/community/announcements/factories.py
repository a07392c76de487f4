"""Factories of announcements."""
from __future__ import annotations

from datetime import timedelta

import factory

from community.announcements.models import Announcement
from core.models import utcnow
from tests.factories import Base, CommunityFactory


class AnnouncementFactory(Base):
    class Meta:
        model = Announcement

    community = factory.SubFactory(CommunityFactory)
    community_id = factory.SelfAttribute("community.id")
    title = factory.Sequence(lambda n: f"通知 {n}")
    body = "物业通知正文"
    emergency = False
    publish_at = factory.LazyFunction(lambda: utcnow() - timedelta(hours=1))
    notified_at = factory.LazyAttribute(lambda o: o.publish_at if o.publish_at <= utcnow() else None)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("community", None)
        return super()._create(model_class, *args, **kwargs)
