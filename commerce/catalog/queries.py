"""Read-side selects of the catalog: the merchant's own products, and a community's catalog and search."""
from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, bindparam, case, false, func, literal, select, true
from sqlalchemy.orm import Session

from commerce.catalog.models import Category, Product, ProductKind, ServiceSlot, Variant
from commerce.catalog.search import query_terms
from commerce.stores import queries as store_queries
from commerce.stores.models import Store
from community import queries as community_queries
from core.auth import Actor
from core.errors import NotFound
from core.models import utcnow

# How much a query token found in the product's name counts against one found elsewhere; the
# bonus for the whole query appearing in the name as typed, and for it being the whole name.
# Ties go to the shorter name, which is more about what was asked.
NAME_WEIGHT, OTHER_WEIGHT, PHRASE_BONUS, EXACT_BONUS = 3, 1, 5, 5
# A community's catalog counts its matches up to this many, and is paged through this far (see
# core/pagination.py): exact totals of 100,000 products cost more than the page itself.
CATALOG_COUNT_LIMIT, CATALOG_WINDOW = 1_000, 10_000


def categories() -> Select:
    return select(Category).order_by(Category.parent_id.is_not(None), Category.position, Category.id)


def get_category(session: Session, category_id: int, *, lock: bool = False) -> Category:
    category = session.get(Category, category_id, with_for_update=lock)
    if category is None:
        raise NotFound()
    return category


def with_children(session: Session, category_id: int) -> list[int]:
    children = session.scalars(select(Category.id).where(Category.parent_id == category_id)).all()
    return [category_id, *children]


def store_products(store_id: int, *, published: bool | None = None, q: str | None = None,
                   archived: bool = False) -> Select:
    """The store's products, newest first; deleted (archived) ones only when asked for, and alone."""
    query = select(Product).where(Product.store_id == store_id,
                                  Product.archived_at.is_not(None) if archived else Product.archived_at.is_(None))
    query = query.order_by(Product.id.desc())
    if published is not None:
        query = query.where(Product.published.is_(published))
    if q:
        query = query.where(*_matches(q))
    return query


# FOR NO KEY UPDATE OF products. OF: a product is loaded joined to its category and store, and a
# bare FOR UPDATE would lock those rows too, holding up every new product of the category, in any
# store, and every order of the store until the product's transaction ends. NO KEY: an order line
# naming the product (its foreign key takes KEY SHARE) goes on; a checkout holding a variant's row
# and waiting for the product, while an edit holds the product and waits for the variant, would
# be a deadlock.
LOCK_PRODUCT = {"of": Product, "key_share": True}


def get_store_product(session: Session, store_id: int, product_id: int, *, lock: bool = False) -> Product:
    """One of the store's products; `lock` takes its row lock (only its row, see `LOCK_PRODUCT`)."""
    product = session.get(Product, product_id, with_for_update=LOCK_PRODUCT if lock else None, populate_existing=lock)
    if product is None or product.store_id != store_id:
        raise NotFound()
    return product


def get_store_variant(session: Session, store_id: int, variant_id: int) -> Variant:
    variant = session.get(Variant, variant_id)
    if variant is None or variant.store_id != store_id:
        raise NotFound()
    return variant


def get_store_slot(session: Session, store_id: int, product_id: int, slot_id: int) -> ServiceSlot:
    slot = session.get(ServiceSlot, slot_id)
    if slot is None or slot.store_id != store_id or slot.product_id != product_id:
        raise NotFound()
    return slot


def _matches(q: str) -> list[ColumnElement[bool]]:
    terms = query_terms(q)
    if not terms:
        return [false()]
    return [Product.search_text.like(term.pattern()) for term in terms]


def _relevance(q: str) -> ColumnElement[int]:
    terms = query_terms(q)
    per_term = [case((Product.name_text.like(t.pattern()), NAME_WEIGHT), else_=OTHER_WEIGHT) for t in terms]
    typed = q.strip().lower()
    phrase = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    # lower() then LIKE, not ILIKE: the same answer at a fraction of the cost on CJK text.
    name = func.lower(Product.name)
    bonus = case((name.like(f"%{phrase}%", escape="\\"), PHRASE_BONUS), else_=0)
    exact = case((name == typed, EXACT_BONUS), else_=0)
    return functools.reduce(operator.add, per_term, literal(0)) + bonus + exact


def _in_stock(now: datetime) -> ColumnElement[bool]:
    """Goods with a unit in an active variant; services with a place in a future slot.

    Written as scalar subqueries on purpose: PostgreSQL runs an EXISTS under OR/CASE as a hashed
    subplan, hashing every variant of the platform on each request (~20 ms at 100,000), where a
    correlated scalar subquery probes the variant index only for the rows the page and the capped
    count visit (~20 and ~1,000 probes).
    """
    most_units = (select(func.max(Variant.stock)).where(Variant.product_id == Product.id, Variant.active.is_(True))
                  .correlate(Product).scalar_subquery())
    most_places = (select(func.max(ServiceSlot.capacity - ServiceSlot.booked))
                   .where(ServiceSlot.product_id == Product.id, ServiceSlot.starts_at > now)
                   .correlate(Product).scalar_subquery())
    return case((Product.kind == ProductKind.GOODS, most_units > 0), else_=most_places > 0)


def catalog(
    session: Session,
    actor: Actor,
    community_id: int,
    *,
    q: str | None = None,
    category_id: int | None = None,
    store_id: int | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    in_stock: bool = False,
    kind: str | None = None,
    sort: str | None = None,
) -> Select:
    """The ids of the published products of the stores serving the community, filtered and ordered.

    With `q`, only products having every token of the query (see catalog/search.py), most
    relevant first: tokens in the name count more than tokens elsewhere, the query as typed in the
    name more still. Suspended stores and stores not approved here are never included.
    Ids, not rows: ranking thousands of matches sorts narrow tuples; `cards` then reads what the
    page shows of its twenty products.
    """
    community_queries.require_member(actor, community_id)
    query = select(Product.id).where(
        Product.published.is_(True), Product.store_id.in_(store_queries.serving_store_ids(community_id))
    )
    if store_id is not None:
        query = query.where(Product.store_id == store_id)
    if category_id is not None:
        query = query.where(Product.category_id.in_(with_children(session, category_id)))
    if min_price is not None:
        query = query.where(Product.price_from >= min_price)
    if max_price is not None:
        query = query.where(Product.price_from <= max_price)
    if kind:
        query = query.where(Product.kind == kind)
    if in_stock:
        query = query.where(_in_stock(utcnow()))
    if q:
        query = query.where(*_matches(q))
    orders = {
        "newest": (Product.id.desc(),),
        "price_asc": (Product.price_from.asc(), Product.id.desc()),
        "price_desc": (Product.price_from.desc(), Product.id.desc()),
        "rating": ((Product.rating_total * 100 / (Product.rating_count + 1)).desc(), Product.id.desc()),
    }
    if q and sort in (None, "relevance"):
        return query.order_by(_relevance(q).desc(), func.length(Product.name), Product.id.desc())
    return query.order_by(*orders.get(sort or "newest", orders["newest"]))


def cacheable(filters: dict) -> bool:
    """Whether a catalog page changes only when rows do: services in stock depend on the clock too
    (a slot that starts is no longer a place left), so those pages are computed every time."""
    return not (filters.get("in_stock") and filters.get("kind") != ProductKind.GOODS)


@dataclass(frozen=True)
class CardStore:
    id: int
    name: str
    rating: float | None


@dataclass(frozen=True)
class Card:
    """A product as a page of the catalog shows it (CatalogItemSchema), read without the ORM."""

    id: int
    name: str
    kind: str
    category_id: int | None
    store: CardStore
    images: list[str]
    price_from: int
    in_stock: bool
    rating: float | None
    rating_count: int


def _rating(total: int, count: int) -> float | None:
    return round(total / count, 2) if count else None  # as Product.rating and Store.rating


@functools.cache
def _cards_statement() -> Select:
    """The cards of some products, built once: Core columns, the ids an expanding parameter.
    In stock as `Product.in_stock` has it: a service always (its slots tell), goods with a unit
    in an active variant."""
    products, stores, variants = Product.__table__.c, Store.__table__.c, Variant.__table__.c
    has_units = (select(variants.id).where(variants.product_id == products.id, variants.active.is_(True),
                                           variants.stock > 0).correlate(Product.__table__).exists())
    in_stock = case((products.kind == ProductKind.SERVICE.value, true()), else_=has_units)
    return (
        select(products.id, products.name, products.kind, products.category_id, products.images, products.price_from,
               products.rating_total, products.rating_count, stores.id, stores.name, stores.rating_total,
               stores.rating_count, in_stock)
        .join_from(Product.__table__, Store.__table__, stores.id == products.store_id)
        .where(products.id.in_(bindparam("ids", expanding=True)))
    )


def cards(session: Session, ids: list[int]) -> list[Card]:
    """The catalog cards of these products, in the order of the ids: one query, no ORM loading
    (twenty products with their store, category and variants cost more to load than to find)."""
    if not ids:
        return []
    found = {}
    for (pid, name, kind, category_id, images, price_from, rating_total, rating_count, store_id, store_name,
         store_total, store_count, in_stock) in session.execute(_cards_statement(), {"ids": ids}):
        store = CardStore(store_id, store_name, _rating(store_total, store_count))
        found[pid] = Card(pid, name, kind, category_id, store, images or [], price_from, bool(in_stock),
                          _rating(rating_total, rating_count), rating_count)
    return [found[i] for i in ids if i in found]


def get_catalog_product(session: Session, actor: Actor, community_id: int, product_id: int) -> Product:
    """A published product of a store serving the community; 404 otherwise (suspended stores too)."""
    community_queries.require_member(actor, community_id)
    product = session.scalar(
        select(Product).where(
            Product.id == product_id, Product.published.is_(True),
            Product.store_id.in_(store_queries.serving_store_ids(community_id)),
        )
    )
    if product is None:
        raise NotFound()
    return product


def open_slots(product_id: int, *, now: datetime, until: datetime | None = None) -> Select:
    """A service's slots from now on that have places left, soonest first."""
    query = select(ServiceSlot).where(
        ServiceSlot.product_id == product_id, ServiceSlot.starts_at > now, ServiceSlot.booked < ServiceSlot.capacity
    ).order_by(ServiceSlot.starts_at)
    if until is not None:
        query = query.where(ServiceSlot.starts_at < until)
    return query


def store_slots(product_id: int) -> Select:
    return select(ServiceSlot).where(ServiceSlot.product_id == product_id).order_by(ServiceSlot.starts_at)
