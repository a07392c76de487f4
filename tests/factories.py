"""factory_boy factories: each builds only the rows a test needs."""
from __future__ import annotations

import factory
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from community.models import Building, Community, Residency, ResidencyStatus, StaffMember, StaffRole, Unit
from identity.models import User

PASSWORD = "password123"
_PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)
_session: list[Session | None] = [None]


def bind(session: Session | None) -> None:
    """The conftest points the factories at the test's session."""
    _session[0] = session


def current_session() -> Session:
    assert _session[0] is not None, "factories used outside a test with a database fixture"
    return _session[0]


class Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = current_session
        sqlalchemy_session_persistence = "commit"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.cn")
    phone = factory.Sequence(lambda n: f"+86139{n:08d}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password_hash = _PASSWORD_HASH
    is_active = True


class CommunityFactory(Base):
    class Meta:
        model = Community

    slug = factory.Sequence(lambda n: f"community-{n}")
    name = factory.Sequence(lambda n: f"社区 {n}")
    address = "上海市徐汇区 1 号"
    timezone = "Asia/Shanghai"


class BuildingFactory(Base):
    class Meta:
        model = Building

    community = factory.SubFactory(CommunityFactory)
    community_id = factory.SelfAttribute("community.id")
    name = factory.Sequence(lambda n: f"{n}号楼")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("community", None)
        return super()._create(model_class, *args, **kwargs)


class UnitFactory(Base):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    building_id = factory.SelfAttribute("building.id")
    community_id = factory.SelfAttribute("building.community_id")
    number = factory.Sequence(lambda n: f"{n:04d}")
    floor = 1

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("building", None)
        return super()._create(model_class, *args, **kwargs)


class ResidencyFactory(Base):
    class Meta:
        model = Residency

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    community_id = factory.SelfAttribute("unit.community_id")
    relation = "owner"
    status = ResidencyStatus.APPROVED


class StaffFactory(Base):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory)
    community = factory.SubFactory(CommunityFactory)
    community_id = factory.SelfAttribute("community.id")
    role = StaffRole.MANAGER

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("community", None)
        return super()._create(model_class, *args, **kwargs)


def resident_of(community: Community, **kwargs) -> User:
    """A user with an approved residency in a new unit of `community`."""
    building = BuildingFactory(community=community)
    residency = ResidencyFactory(unit=UnitFactory(building=building), **kwargs)
    return residency.user


def staff_of(community: Community, role: str = StaffRole.MANAGER) -> User:
    return StaffFactory(community=community, role=role).user
