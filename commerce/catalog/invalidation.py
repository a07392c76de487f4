"""Which changes make the cached catalog stale (core/cache.py): any change of what a page of it shows.

A page shows products, their cheapest price and whether they are in stock (variants' units,
services' places), their store's name and rating, and depends on which stores serve the
community and on the category tree (a category's subcategories filter with it). Every change of
those rows bumps one scope, `CATALOG`, the version of the whole catalog: a checkout that takes
stock too, since the page cannot know whether it was the last unit.
"""
from __future__ import annotations

from commerce.catalog.models import Category, Product, ServiceSlot, Variant
from commerce.stores.models import Store, StoreCommunity
from core.auth import COMMUNITIES
from core.cache import Cache

CATALOG = "catalog"


def catalog_deps() -> tuple[str, ...]:
    """A community's catalog pages and searches (a deleted community's stores go by cascade)."""
    return CATALOG, COMMUNITIES


def watch(cache: Cache) -> None:
    for model in (Product, Variant, ServiceSlot, Category, Store, StoreCommunity):
        cache.watch(model, lambda _row, _change: [CATALOG], bulk=[CATALOG])
