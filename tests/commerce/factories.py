"""Factories of commerce rows, and helpers that build a store serving a community with products."""
from __future__ import annotations

from datetime import timedelta

import factory

from commerce.catalog.models import Category, Product, ServiceSlot, Variant
from commerce.catalog.service import refresh
from commerce.orders.models import Coupon, CouponClaim, Order, OrderEvent, OrderLine
from commerce.stores.models import ServiceStatus, Store, StoreCommunity, StoreStaff
from community.models import Community
from core.models import utcnow
from identity.models import User
from tests.factories import Base, UserFactory, current_session


class CategoryFactory(Base):
    class Meta:
        model = Category

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"分类{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    position = 0


class StoreFactory(Base):
    class Meta:
        model = Store

    name = factory.Sequence(lambda n: f"邻家小店 {n}")
    licence_number = factory.Sequence(lambda n: f"91310000MA{n:08d}")
    contact_name = "陈老板"
    contact_phone = "+8613900000000"
    categories = factory.LazyFunction(lambda: ["grocery"])
    timezone = "Asia/Shanghai"
    fulfilment = "both"
    delivery_fee = 500
    min_order = 0
    currency = "CNY"
    status = "active"


class StoreStaffFactory(Base):
    class Meta:
        model = StoreStaff

    store = factory.SubFactory(StoreFactory)
    store_id = factory.SelfAttribute("store.id")
    user = factory.SubFactory(UserFactory)
    role = "owner"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("store", None)
        return super()._create(model_class, *args, **kwargs)


class StoreCommunityFactory(Base):
    class Meta:
        model = StoreCommunity

    store = factory.SubFactory(StoreFactory)
    store_id = factory.SelfAttribute("store.id")
    community_id = None
    status = ServiceStatus.APPROVED


def store_serving(*communities: Community, owner: User | None = None, **fields) -> tuple[Store, User]:
    """A store approved in `communities`, with an owner account; returns (store, owner)."""
    store = StoreFactory(**fields)
    owner = owner or UserFactory()
    StoreStaffFactory(store=store, user=owner, role="owner")
    for community in communities:
        StoreCommunityFactory(store=store, community_id=community.id)
    return store, owner


def staff_of_store(store: Store, role: str = "staff") -> User:
    return StoreStaffFactory(store=store, role=role).user


def product_of(store: Store, *, name: str = "红富士苹果", price: int = 1000, stock: int = 10,
               category: Category | None = None, description: str | None = None, published: bool = True,
               kind: str = "goods", variants: list[dict] | None = None) -> Product:
    """A product with one variant (or `variants`), its search documents derived as the service does."""
    session = current_session()
    category = category or CategoryFactory()
    product = Product(store_id=store.id, category_id=category.id, kind=kind, name=name, description=description,
                      images=[], published=published)
    rows = variants or [{"name": "标准", "price": price, "stock": stock}]
    product.variants = [
        Variant(store_id=store.id, sku=f"SKU-{store.id}-{name}-{i}-{utcnow().timestamp()}", position=i,
                attributes={}, active=True, **row)
        for i, row in enumerate(rows)
    ]
    product.category = category
    refresh(product, category)
    session.add(product)
    session.commit()
    return product


def slot_of(product: Product, *, hours_ahead: int = 24, capacity: int = 1, booked: int = 0) -> ServiceSlot:
    starts = (utcnow() + timedelta(hours=hours_ahead)).replace(minute=0, second=0, microsecond=0)
    slot = ServiceSlot(product_id=product.id, store_id=product.store_id, starts_at=starts,
                       ends_at=starts + timedelta(hours=2), capacity=capacity, booked=booked)
    current_session().add(slot)
    current_session().commit()
    return slot


class CouponFactory(Base):
    class Meta:
        model = Coupon

    store = factory.SubFactory(StoreFactory)
    store_id = factory.SelfAttribute("store.id")
    code = factory.Sequence(lambda n: f"SAVE{n}")
    kind = "fixed"
    value = 200
    min_spend = 0
    redeemed = 0
    product_ids = factory.LazyFunction(list)
    category_ids = factory.LazyFunction(list)
    active = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("store", None)
        return super()._create(model_class, *args, **kwargs)


class CouponClaimFactory(Base):
    """A claim of `coupon` by `user`, counted on the coupon as the claim use case counts it."""

    class Meta:
        model = CouponClaim

    coupon_id = factory.SelfAttribute("coupon.id")
    user_id = factory.SelfAttribute("user.id")

    class Params:
        coupon = None
        user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        coupon = current_session().get(Coupon, kwargs["coupon_id"])
        coupon.claimed += 1
        return super()._create(model_class, *args, **kwargs)


def order_of(store: Store, community: Community, user: User, *, status: str = "paid", fulfilment: str = "delivery",
             product: Product | None = None) -> Order:
    """An order as checkout and payment would leave it (no Stripe: `payment_id` stays empty)."""
    product = product or product_of(store)
    variant = product.variants[0]
    order = Order(community_id=community.id, store_id=store.id, user_id=user.id, status=status,
                  fulfilment=fulfilment, recipient_name=user.display_name, recipient_phone=user.phone,
                  delivery_address="1号楼 101" if fulfilment == "delivery" else None, subtotal=variant.price,
                  discount=0, delivery_fee=0, total=variant.price, refunded=0, currency="CNY", pickup_code="123456",
                  paid_at=utcnow() if status != "awaiting_payment" else None)
    order.lines = [OrderLine(product_id=product.id, variant_id=variant.id, product_name=product.name,
                             variant_name=variant.name, sku=variant.sku, unit_price=variant.price, quantity=1,
                             discount=0, refunded_quantity=0, refunded=0)]
    order.history = [OrderEvent(from_status=None, to_status=status)]
    current_session().add(order)
    current_session().commit()
    return order
