"""Factories of service requests, their categories and Open311 keys."""
from __future__ import annotations

from datetime import timedelta

import factory

from community.open311.models import Open311Key
from community.open311.queries import digest_key
from community.requests.models import RequestCategory, ServiceRequest, Status
from core.models import utcnow
from tests.factories import Base, CommunityFactory


class CategoryFactory(Base):
    class Meta:
        model = RequestCategory

    community = factory.SubFactory(CommunityFactory)
    community_id = factory.SelfAttribute("community.id")
    code = factory.Sequence(lambda n: f"cat-{n}")
    name = factory.Sequence(lambda n: f"类别 {n}")
    fields = factory.LazyFunction(list)
    first_response_minutes = 240
    resolution_minutes = 4320
    auto_assign = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("community", None)
        return super()._create(model_class, *args, **kwargs)


class ServiceRequestFactory(Base):
    """An open request in a common area; pass `requester` (a User) and `category`."""

    class Meta:
        model = ServiceRequest

    category = factory.SubFactory(CategoryFactory)
    community_id = factory.SelfAttribute("category.community_id")
    category_id = factory.SelfAttribute("category.id")
    requester_id = factory.LazyAttribute(lambda o: o.requester.id if o.requester else None)
    description = "楼道灯不亮"
    location_kind = "common_area"
    place = "楼道"
    photos = factory.LazyFunction(list)
    answers = factory.LazyFunction(dict)
    status = Status.NEW
    created_at = factory.LazyFunction(utcnow)
    updated_at = factory.SelfAttribute("created_at")
    first_response_due_at = factory.LazyAttribute(
        lambda o: o.created_at + timedelta(minutes=o.category.first_response_minutes))
    resolution_due_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(minutes=o.category.resolution_minutes))

    class Params:
        requester = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("category", None)
        return super()._create(model_class, *args, **kwargs)


class Open311KeyFactory(Base):
    """Pass `raw` to choose the key's value."""

    class Meta:
        model = Open311Key

    community = factory.SubFactory(CommunityFactory)
    community_id = factory.SelfAttribute("community.id")
    name = "City hotline"
    key_hash = factory.LazyAttribute(lambda o: digest_key(o.raw))
    prefix = factory.LazyAttribute(lambda o: o.raw[:8])

    class Params:
        raw = factory.Sequence(lambda n: f"test-key-{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("community", None)
        return super()._create(model_class, *args, **kwargs)
