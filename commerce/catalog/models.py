"""Categories, products with their variants and stock, and the time slots of service products."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commerce.stores.models import Store
from core.models import Base, UTCDateTime, created_at, intpk, utcnow


class ProductKind(StrEnum):
    GOODS = "goods"  # stock per variant
    SERVICE = "service"  # housekeeping, repairs: booked into the product's time slots


class Category(Base):
    """One category of the platform-wide tree (two levels), shared by every store."""

    __tablename__ = "commerce_categories"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("commerce_categories.id", ondelete="RESTRICT"),
                                                  index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[created_at]


class Product(Base):
    """Something a store sells: goods in variants, or a service booked into slots."""

    __tablename__ = "products"
    __table_args__ = (
        # Search: the n-gram document, matched by LIKE '% token %' (see catalog/search.py);
        # on PostgreSQL a trigram GIN index answers those LIKEs, on SQLite this is a plain index.
        Index(
            "ix_products_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_products_store_id_published", "store_id", "published"),
        Index("ix_products_category_id_price_from", "category_id", "price_from"),
        Index("ix_products_price_from_id", "price_from", "id"),
        # The services tab (`kind=service`, newest first): a few hundred rows among 100,000 goods.
        Index("ix_products_kind_id", "kind", "id"),
        CheckConstraint("rating_count >= 0 AND rating_total >= 0", name="ratings_not_negative"),
        CheckConstraint("category_id IS NOT NULL OR archived_at IS NOT NULL", name="live_products_have_a_category"),
    )

    id: Mapped[intpk]
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    # Empty only for an archived product whose category the platform removed since (as Saleor's
    # products can be without one): nobody can move an archived product, so it must not pin it.
    category_id: Mapped[int | None] = mapped_column(ForeignKey("commerce_categories.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(10), default=ProductKind.GOODS)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(String(2000))
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    published: Mapped[bool] = mapped_column(default=False)
    # Derived on every edit: the cheapest variant's price, and the search documents.
    price_from: Mapped[int] = mapped_column(default=0)
    name_text: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    rating_total: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)
    # Deleted by its store: kept for the orders that name it, never sold or shown again.
    archived_at: Mapped[datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    variants: Mapped[list[Variant]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=lambda: (Variant.position, Variant.id),
    )
    category: Mapped[Category | None] = relationship(lazy="joined")
    store: Mapped[Store] = relationship(lazy="joined", innerjoin=True)

    @property
    def rating(self) -> float | None:
        return round(self.rating_total / self.rating_count, 2) if self.rating_count else None

    @property
    def active_variants(self) -> list[Variant]:
        return [v for v in self.variants if v.active]

    @property
    def in_stock(self) -> bool:
        """Goods: a variant has units. Services are booked by slot (see the slots' `remaining`)."""
        return self.kind == ProductKind.SERVICE or any(v.stock > 0 for v in self.active_variants)


class Variant(Base):
    """A sellable form of a product (size, weight) with its SKU, price and units in stock."""

    __tablename__ = "product_variants"
    __table_args__ = (
        UniqueConstraint("store_id", "sku"),
        # The last guard against overselling: checkout decrements with `WHERE stock >= :n`.
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    id: Mapped[intpk]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    attributes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    price: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)  # available now; reserved units are already taken off
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[created_at]


class ServiceSlot(Base):
    """A time a service product can be booked into, with its places; `booked` never exceeds them."""

    __tablename__ = "service_slots"
    __table_args__ = (
        UniqueConstraint("product_id", "starts_at"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[intpk]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[created_at]

    @property
    def remaining(self) -> int:
        return self.capacity - self.booked

