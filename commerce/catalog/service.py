"""Use cases of the catalog: categories, products and variants, stock, and service slots.

Each commits once; each checks policy first. Every edit of a product re-derives its cheapest
price and its search documents, so the catalog's filters and search read plain columns.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from commerce.catalog import queries
from commerce.catalog.models import Category, Product, ProductKind, ServiceSlot, Variant
from commerce.catalog.search import document
from commerce.errors import (
    CategoryInUse,
    NotAService,
    ProductArchived,
    ProductInGroupDeal,
    SkuTaken,
    SlotBooked,
    SlotTaken,
    SlugTaken,
    UnknownCategory,
)
from commerce.groupbuy.models import DealStatus, GroupDeal
from commerce.orders.models import CartLine, OrderLine
from commerce.policy import Permission
from commerce.stores import queries as store_queries
from core.auth import Actor
from core.db import db
from core.errors import InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from core.jobs import job, jobs
from core.models import utcnow
from core.policy import require


def create_category(session: Session, actor: Actor, **fields: Any) -> Category:
    """The platform adds a category to the shared tree (two levels). Commits."""
    require(actor, Permission.CATEGORY_MANAGE)
    if session.scalar(select(Category.id).where(Category.slug == fields["slug"])) is not None:
        raise SlugTaken()
    parent_id = fields.get("parent_id")
    if parent_id is not None:
        # Shared lock: a move of the parent under another category waits, then sees this child.
        parent = session.get(Category, parent_id, with_for_update={"read": True})
        if parent is None or parent.parent_id is not None:
            raise UnknownCategory(errors={"parent_id": [str(_l("Must be a top-level category."))]})
    category = Category(**fields)
    session.add(category)
    session.commit()
    return category


def update_category(session: Session, actor: Actor, category_id: int, **fields: Any) -> Category:
    """The platform renames, reorders or moves a category (the tree stays two levels). Commits.

    A new name reaches the search documents of the category's products through a job
    (`reindex_category`): search by the new name finds them moments later.
    """
    require(actor, Permission.CATEGORY_MANAGE)
    parent_id = fields.get("parent_id")
    locked = _lock_categories(session, category_id, parent_id)
    if category_id not in locked:
        raise NotFound()
    category = locked[category_id]
    if "slug" in fields and session.scalar(
        select(Category.id).where(Category.slug == fields["slug"], Category.id != category.id)
    ) is not None:
        raise SlugTaken()
    if parent_id is not None:
        parent = locked.get(parent_id)
        if parent is None or parent.parent_id is not None or parent.id == category.id:
            raise UnknownCategory(errors={"parent_id": [str(_l("Must be another top-level category."))]})
        if session.scalar(select(Category.id).where(Category.parent_id == category.id).limit(1)) is not None:
            raise UnknownCategory(errors={"parent_id": [str(_l("A category with subcategories stays top-level."))]})
    renamed = any(fields.get(name, getattr(category, name)) != getattr(category, name) for name in ("name", "name_en"))
    for name, value in fields.items():
        setattr(category, name, value)
    if renamed:
        jobs.enqueue_after_commit(session, reindex_category, category.id)
    session.commit()
    return category


def _lock_categories(session: Session, *ids: int | None) -> dict[int, Category]:
    """Locks these categories, in id order, and returns those that exist.

    Every change of the tree locks the categories it reads the levels of (the one it moves and
    its new parent; a new category's parent): two changes that together would make a third
    level share a row, so the second waits and then sees the first.
    """
    query = (select(Category).where(Category.id.in_({i for i in ids if i is not None})).order_by(Category.id)
             .with_for_update().execution_options(populate_existing=True))
    return {category.id: category for category in session.scalars(query)}


def delete_category(session: Session, actor: Actor, category_id: int) -> None:
    """The platform removes a category nothing is sold under. Commits.

    One with subcategories or products is 409; deleted (archived) products do not count, since
    nobody can move them: they stay, without a category.
    """
    require(actor, Permission.CATEGORY_MANAGE)
    category = queries.get_category(session, category_id, lock=True)
    used = (select(Category.id).where(Category.parent_id == category.id).limit(1),
            select(Product.id).where(Product.category_id == category.id, Product.archived_at.is_(None)).limit(1))
    if any(session.scalar(query) is not None for query in used):
        raise CategoryInUse()
    session.execute(update(Product).where(Product.category_id == category.id, Product.archived_at.is_not(None))
                    .values(category_id=None).execution_options(synchronize_session=False))
    session.delete(category)
    session.commit()


REINDEX_BATCH = 500


@job("low", timeout=1800)
def reindex_category(category_id: int) -> int:
    """Re-derives the search documents of a category's products after a rename, in batches. Commits each."""
    session = db.session
    category = session.get(Category, category_id)
    done, after = 0, 0
    while category is not None:
        # Locked like an edit locks its product: an edit in flight finishes first and the batch
        # reads what it wrote, instead of writing a document of the product as it was.
        batch = session.scalars(select(Product).where(Product.category_id == category_id, Product.id > after)
                                .order_by(Product.id).limit(REINDEX_BATCH)
                                .with_for_update(**queries.LOCK_PRODUCT)
                                .execution_options(populate_existing=True)).all()
        if not batch:
            break
        for product in batch:
            refresh(product, category)
        session.commit()
        done, after = done + len(batch), batch[-1].id
    return done


def _category(session: Session, category_id: int) -> Category:
    """The category a product is put in, share-locked: a rename of it waits for the product's
    transaction, so its reindex sees the product; a deletion of it first makes this a 422."""
    category = session.get(Category, category_id, with_for_update={"read": True})
    if category is None:
        raise UnknownCategory(errors={"category_id": [str(_l("No category has this id."))]})
    return category


def refresh(product: Product, category: Category | None = None) -> None:
    """Re-derives the product's cheapest price and its search documents from what it holds now."""
    category = category or product.category
    prices = [v.price for v in product.variants if v.active]
    product.price_from = min(prices) if prices else 0
    product.name_text = document(product.name)
    variant_text = " ".join(
        " ".join([v.name, v.sku, *map(str, (v.attributes or {}).values())]) for v in product.variants
    )
    product.search_text = document(product.name, product.description, category.name, category.name_en,
                                   variant_text)


def _check_skus(session: Session, store_id: int, skus: list[str], *, except_id: int | None = None) -> None:
    if len(set(skus)) != len(skus):
        raise SkuTaken(errors={"variants": [str(_l("Two variants have the same SKU."))]})
    query = select(Variant.sku).where(Variant.store_id == store_id, Variant.sku.in_(skus))
    if except_id is not None:
        query = query.where(Variant.id != except_id)
    taken = session.scalars(query).first()
    if taken is not None:
        raise SkuTaken(errors={"sku": [str(_l("SKU %(sku)s is taken.", sku=taken))]})


def create_product(session: Session, actor: Actor, store_id: int, *, variants: list[dict], **fields: Any) -> Product:
    """Staff add a product with its variants (unpublished unless `published`). Commits."""
    store_queries.require_store(session, actor, store_id, Permission.STORE_OPERATE)
    category = _category(session, fields["category_id"])
    _check_skus(session, store_id, [v["sku"] for v in variants])
    product = Product(store_id=store_id, **fields)
    product.variants = [Variant(store_id=store_id, position=i, **v) for i, v in enumerate(variants)]
    refresh(product, category)
    session.add(product)
    session.commit()
    return product


def update_product(session: Session, actor: Actor, store_id: int, product_id: int, **fields: Any) -> Product:
    """Staff edit a product: its text, images, category, or publish and unpublish it. Commits."""
    store_queries.require_store(session, actor, store_id, Permission.STORE_OPERATE)
    product = _live_product(session, store_id, product_id)
    category = _category(session, fields["category_id"]) if "category_id" in fields else None
    for name, value in fields.items():
        setattr(product, name, value)
    if category is not None:
        product.category = category
    refresh(product, category)
    session.commit()
    return product


def delete_product(session: Session, actor: Actor, store_id: int, product_id: int) -> None:
    """Staff delete a product: it is archived, as Shopify and Saleor do. Commits.

    Orders, reviews and settlements name it, so the row stays: unpublished, out of every list
    (the store's own shows it with `?archived=true`), never sold again, its lines taken out of
    residents' carts. Deleting it again changes nothing. An open group deal on it is 409.
    """
    store_queries.require_store(session, actor, store_id, Permission.STORE_OPERATE)
    product = queries.get_store_product(session, store_id, product_id, lock=True)
    if product.archived_at is not None:
        return
    variant_ids = [v.id for v in product.variants]
    open_deal = select(GroupDeal.id).where(GroupDeal.variant_id.in_(variant_ids), GroupDeal.status == DealStatus.OPEN)
    if session.scalar(open_deal.limit(1)) is not None:
        raise ProductInGroupDeal()
    product.archived_at, product.published = utcnow(), False
    session.execute(delete(CartLine).where(CartLine.variant_id.in_(variant_ids)))
    session.commit()


def _live_product(session: Session, store_id: int, product_id: int) -> Product:
    """The product to change, locked: edits of it happen one after the other, so each re-derives
    its documents and cheapest price from the last one's result. An archived product is 409."""
    product = queries.get_store_product(session, store_id, product_id, lock=True)
    if product.archived_at is not None:
        raise ProductArchived()
    return product


def add_variant(session: Session, actor: Actor, store_id: int, product_id: int, **fields: Any) -> Variant:
    """Commits."""
    store_queries.require_store(session, actor, store_id, Permission.STORE_OPERATE)
    product = _live_product(session, store_id, product_id)
    _check_skus(session, store_id, [fields["sku"]])
    variant = Variant(store_id=store_id, position=len(product.variants), **fields)
    product.variants.append(variant)
    refresh(product)
    session.commit()
    return variant


def update_variant(session: Session, actor: Actor, store_id: int, variant_id: int, **fields: Any) -> Variant:
    """Staff change a variant's price, name, attributes, availability, or set its units in stock.

    Commits. `stock` is what is available to sell now: units reserved by unpaid orders are already
    off it and come back if those orders expire.
    """
    store_queries.require_store(session, actor, store_id, Permission.STORE_OPERATE)
    variant = queries.get_store_variant(session, store_id, variant_id)
    _live_product(session, store_id, variant.product_id)
    if "sku" in fields:
        _check_skus(session, store_id, [fields["sku"]], except_id=variant.id)
    if "stock" in fields:
        # Locked: a checkout decrementing the row at this moment is not overwritten with a stale count.
        session.scalar(select(Variant.id).where(Variant.id == variant.id).with_for_update())
    for name, value in fields.items():
        setattr(variant, name, value)
    refresh(session.get(Product, variant.product_id))
    session.commit()
    return variant


def add_slots(
    session: Session, actor: Actor, store_id: int, product_id: int, *, slots: list[dict]
) -> list[ServiceSlot]:
    """Staff open time slots of a service product, each with its places. Commits."""
    store_queries.require_store(session, actor, store_id, Permission.STORE_OPERATE)
    product = _live_product(session, store_id, product_id)
    if product.kind != ProductKind.SERVICE:
        raise NotAService()
    now = utcnow()
    for slot in slots:
        if slot["ends_at"] <= slot["starts_at"]:
            raise InvalidInput(errors={"slots": [str(_l("A slot ends after it starts."))]})
        # Nobody can book it (checkout refuses a slot that has started), so it is a typo, not a slot.
        if slot["starts_at"] <= now:
            raise InvalidInput(errors={"slots": [str(_l("A slot cannot start in the past."))]})
    starts = [s["starts_at"] for s in slots]
    taken = session.scalar(
        select(ServiceSlot.id).where(ServiceSlot.product_id == product.id, ServiceSlot.starts_at.in_(starts))
    )
    if taken is not None or len(set(starts)) != len(starts):
        raise SlotTaken()
    created = [ServiceSlot(product_id=product.id, store_id=store_id, booked=0, **s) for s in slots]
    session.add_all(created)
    session.commit()
    return created


def update_slot(session: Session, actor: Actor, store_id: int, product_id: int, slot_id: int, *,
                capacity: int) -> ServiceSlot:
    """Staff change a slot's places, never below those already booked. Commits."""
    store_queries.require_store(session, actor, store_id, Permission.STORE_OPERATE)
    _live_product(session, store_id, product_id)
    slot = queries.get_store_slot(session, store_id, product_id, slot_id)
    slot = session.scalar(select(ServiceSlot).where(ServiceSlot.id == slot.id).with_for_update()
                          .execution_options(populate_existing=True))
    if capacity < slot.booked:
        raise SlotBooked()
    slot.capacity = capacity
    session.commit()
    return slot


def remove_slot(session: Session, actor: Actor, store_id: int, product_id: int, slot_id: int) -> None:
    """Staff remove a slot nobody booked. Commits."""
    store_queries.require_store(session, actor, store_id, Permission.STORE_OPERATE)
    _live_product(session, store_id, product_id)
    slot = queries.get_store_slot(session, store_id, product_id, slot_id)
    slot = session.scalar(select(ServiceSlot).where(ServiceSlot.id == slot.id).with_for_update()
                          .execution_options(populate_existing=True))
    ordered = select(OrderLine.id).where(OrderLine.slot_id == slot.id).limit(1)
    if slot.booked > 0 or session.scalar(ordered) is not None:
        raise SlotBooked()
    session.delete(slot)
    session.commit()
