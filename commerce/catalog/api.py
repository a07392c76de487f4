"""The catalog: categories, a store's products, variants and slots, and a community's catalog and search."""
from flask.views import MethodView

from commerce.api import blp
from commerce.catalog import queries, service
from commerce.catalog.invalidation import catalog_deps
from commerce.catalog.schemas import (
    CatalogFilterSchema,
    CatalogItemSchema,
    CatalogProductSchema,
    ProductCategorySchema,
    ProductCategoryUpdateSchema,
    ProductSchema,
    ProductUpdateSchema,
    SlotFilterSchema,
    SlotSchema,
    SlotsCreateSchema,
    SlotUpdateSchema,
    StoreProductFilterSchema,
    VariantSchema,
    VariantUpdateSchema,
)
from commerce.policy import Permission
from commerce.stores import queries as store_queries
from community import queries as community_queries
from core.auth import current_actor
from core.db import db
from core.httpcache import cached_json, entry
from core.idempotency import idempotent
from core.models import utcnow
from core.pagination import PageArgs, page_of, paginate, windowed

CatalogPageArgs = windowed(queries.CATALOG_WINDOW)
# Pages and searches are cached until the catalog changes (commerce/catalog/invalidation.py).
CACHE_SECONDS = 300
_catalog_page = page_of(CatalogItemSchema)()


@blp.route("/commerce/categories")
class Categories(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(ProductCategorySchema))
    @blp.errors(401, 422)
    def get(self, **page):
        """The platform's product categories (two levels)"""
        current_actor()
        return paginate(db.session, queries.categories(), page)

    @idempotent
    @blp.arguments(ProductCategorySchema)
    @blp.response(201, ProductCategorySchema)
    @blp.errors(401, 403, 409, 422)
    def post(self, body):
        """Add a category (platform admins)"""
        return service.create_category(db.session, current_actor(), **body)


@blp.route("/commerce/categories/<int:category_id>")
class ProductCategory(MethodView):
    @blp.arguments(ProductCategoryUpdateSchema)
    @blp.response(200, ProductCategorySchema)
    @blp.errors(401, 403, 404, 409, 422)
    def patch(self, body, category_id):
        """Rename, reorder or move a category (platform); products' search follows the new name"""
        return service.update_category(db.session, current_actor(), category_id, **body)

    @blp.response(204)
    @blp.errors(401, 403, 404, 409)
    def delete(self, category_id):
        """Remove an empty category (platform); with subcategories or products it is 409"""
        service.delete_category(db.session, current_actor(), category_id)


@blp.route("/stores/<int:store_id>/products")
class StoreProducts(MethodView):
    @blp.arguments(StoreProductFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(ProductSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, args, store_id, **page):
        """The store's products, published or not (its staff)"""
        store_queries.require_store(db.session, current_actor(), store_id, Permission.STORE_OPERATE)
        return paginate(db.session, queries.store_products(store_id, **args), page)

    @idempotent
    @blp.arguments(ProductSchema)
    @blp.response(201, ProductSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, store_id):
        """Add a product with its variants (its staff)"""
        return service.create_product(db.session, current_actor(), store_id, **body)


@blp.route("/stores/<int:store_id>/products/<int:product_id>")
class StoreProductDetail(MethodView):
    @blp.response(200, ProductSchema)
    @blp.errors(401, 403, 404)
    def get(self, store_id, product_id):
        """One of the store's products (its staff)"""
        store_queries.require_store(db.session, current_actor(), store_id, Permission.STORE_OPERATE)
        return queries.get_store_product(db.session, store_id, product_id)

    @blp.arguments(ProductUpdateSchema)
    @blp.response(200, ProductSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def patch(self, body, store_id, product_id):
        """Edit a product, or publish and unpublish it (its staff)"""
        return service.update_product(db.session, current_actor(), store_id, product_id, **body)

    @blp.response(204)
    @blp.errors(401, 403, 404, 409)
    def delete(self, store_id, product_id):
        """Delete a product: archived, kept for its orders, never sold again (its staff)"""
        service.delete_product(db.session, current_actor(), store_id, product_id)


@blp.route("/stores/<int:store_id>/products/<int:product_id>/variants")
class StoreVariants(MethodView):
    @idempotent
    @blp.arguments(VariantSchema)
    @blp.response(201, VariantSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, store_id, product_id):
        """Add a variant to a product (its staff)"""
        return service.add_variant(db.session, current_actor(), store_id, product_id, **body)


@blp.route("/stores/<int:store_id>/variants/<int:variant_id>")
class StoreVariantDetail(MethodView):
    @blp.arguments(VariantUpdateSchema)
    @blp.response(200, VariantSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def patch(self, body, store_id, variant_id):
        """Change a variant's price, SKU, attributes or units in stock (its staff)"""
        return service.update_variant(db.session, current_actor(), store_id, variant_id, **body)


@blp.route("/stores/<int:store_id>/products/<int:product_id>/slots")
class StoreSlots(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(SlotSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, store_id, product_id, **page):
        """A service product's slots with their bookings (its staff)"""
        store_queries.require_store(db.session, current_actor(), store_id, Permission.STORE_OPERATE)
        queries.get_store_product(db.session, store_id, product_id)
        return paginate(db.session, queries.store_slots(product_id), page)

    @idempotent
    @blp.arguments(SlotsCreateSchema)
    @blp.response(201, SlotSchema(many=True))
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, store_id, product_id):
        """Open time slots of a service product (its staff)"""
        return service.add_slots(db.session, current_actor(), store_id, product_id, **body)


@blp.route("/stores/<int:store_id>/products/<int:product_id>/slots/<int:slot_id>")
class StoreSlotDetail(MethodView):
    @blp.arguments(SlotUpdateSchema)
    @blp.response(200, SlotSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def patch(self, body, store_id, product_id, slot_id):
        """Change a slot's places, never below those booked (its staff)"""
        return service.update_slot(db.session, current_actor(), store_id, product_id, slot_id, **body)

    @blp.response(204)
    @blp.errors(401, 403, 404, 409)
    def delete(self, store_id, product_id, slot_id):
        """Remove a slot nobody booked (its staff)"""
        service.remove_slot(db.session, current_actor(), store_id, product_id, slot_id)


@blp.route("/communities/<int:community_id>/products")
class Catalog(MethodView):
    @blp.arguments(CatalogFilterSchema, location="query")
    @blp.arguments(CatalogPageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(CatalogItemSchema))
    @blp.alt_response(304, response="NOT_MODIFIED")
    @blp.errors(401, 404, 422)
    def get(self, args, community_id, **page):
        """Browse and search the community's catalog: by category, text (中文 or English), price, stock

        `total` counts up to 1,000 matches (`total_exact` false beyond); pages reach the first 10,000.
        Each page has an ETag: send it back in If-None-Match and an unchanged page is a 304.
        """
        read = entry(catalog_deps(), "catalog", community_id, args, page)
        actor = current_actor(prefetch=lambda _user_id: [read])
        community_queries.require_member(actor, community_id)  # before any page is served

        def load():
            query = queries.catalog(db.session, actor, community_id, **args)
            found = paginate(db.session, query, page, count_limit=queries.CATALOG_COUNT_LIMIT)
            return {**found, "items": queries.cards(db.session, found["items"])}

        return cached_json(read, load, _catalog_page.dump, ttl=CACHE_SECONDS, cache=queries.cacheable(args))


@blp.route("/communities/<int:community_id>/products/<int:product_id>")
class CatalogProduct(MethodView):
    @blp.response(200, CatalogProductSchema)
    @blp.errors(401, 404)
    def get(self, community_id, product_id):
        """A product of the community's catalog with its variants"""
        return queries.get_catalog_product(db.session, current_actor(), community_id, product_id)


@blp.route("/communities/<int:community_id>/products/<int:product_id>/slots")
class CatalogSlots(MethodView):
    @blp.arguments(SlotFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(SlotSchema))
    @blp.errors(401, 404, 422)
    def get(self, args, community_id, product_id, **page):
        """A service's upcoming slots that have places left"""
        product = queries.get_catalog_product(db.session, current_actor(), community_id, product_id)
        return paginate(db.session, queries.open_slots(product.id, now=utcnow(), **args), page)
