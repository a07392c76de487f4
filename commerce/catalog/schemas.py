"""Request and response shapes of the catalog."""
from datetime import UTC, datetime

import marshmallow as ma

from commerce.catalog.models import ProductKind
from commerce.stores.schemas import Money, QueryId, SearchText
from core.web import Id

_moment = ma.validate.Range(min=datetime(2000, 1, 1, tzinfo=UTC), max=datetime(2100, 12, 31, tzinfo=UTC))
_slug = ma.validate.Regexp(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$", error="Use lowercase letters, digits and dashes.")
_url = ma.validate.And(ma.validate.URL(schemes={"https", "http"}), ma.validate.Length(max=500))


def _count(low: int, high: int, **kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=low, max=high), **kwargs)


class ProductCategorySchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    slug = ma.fields.String(required=True, validate=_slug)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    name_en = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    parent_id = Id(allow_none=True)
    position = _count(0, 10_000, load_default=0)


class Attributes(ma.fields.Dict):
    def __init__(self, **kwargs):
        super().__init__(
            keys=ma.fields.String(validate=ma.validate.Length(min=1, max=30)),
            values=ma.fields.String(validate=ma.validate.Length(max=60)),
            validate=ma.validate.Length(max=10),
            **kwargs,
        )


class VariantSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    product_id = ma.fields.Integer(dump_only=True)
    sku = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    attributes = Attributes(load_default=dict, metadata={"description": 'e.g. {"size": "500g"}'})
    price = Money(low=1, required=True, metadata={"description": "minor units (fen)"})
    stock = _count(0, 1_000_000, load_default=0, metadata={"description": "units available to sell now"})
    active = ma.fields.Boolean(load_default=True)


class VariantUpdateSchema(VariantSchema):
    sku = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=80))
    attributes = Attributes()
    price = Money(low=1)
    stock = _count(0, 1_000_000)
    active = ma.fields.Boolean()


class ProductSchema(ma.Schema):
    """A product as its store's staff edit it."""

    id = ma.fields.Integer(dump_only=True)
    store_id = ma.fields.Integer(dump_only=True)
    # Never null in a request; null in a response only for a deleted product whose category the
    # platform has removed since.
    category_id = Id(required=True, metadata={"nullable": True, "description": "null only for a deleted product "
                                                                               "whose category was removed since"})
    kind = ma.fields.String(load_default=ProductKind.GOODS.value,
                            validate=ma.validate.OneOf([k.value for k in ProductKind]))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    images = ma.fields.List(ma.fields.String(validate=_url), load_default=list, validate=ma.validate.Length(max=10))
    published = ma.fields.Boolean(load_default=False)
    variants = ma.fields.List(ma.fields.Nested(VariantSchema), required=True,
                              validate=ma.validate.Length(min=1, max=50))
    price_from = ma.fields.Integer(dump_only=True)
    in_stock = ma.fields.Boolean(dump_only=True)
    rating = ma.fields.Float(dump_only=True, allow_none=True)
    archived_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    rating_count = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class ProductUpdateSchema(ma.Schema):
    category_id = Id()
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=120))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    images = ma.fields.List(ma.fields.String(validate=_url), validate=ma.validate.Length(max=10))
    published = ma.fields.Boolean()


class StoreProductFilterSchema(ma.Schema):
    published = ma.fields.Boolean()
    q = SearchText(metadata={"description": "text, in Chinese or English; empty means no query"})
    archived = ma.fields.Boolean(load_default=False, metadata={"description": "the deleted products instead"})


class ProductCategoryUpdateSchema(ma.Schema):
    slug = ma.fields.String(validate=_slug)
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=60))
    name_en = ma.fields.String(validate=ma.validate.Length(min=1, max=60))
    parent_id = Id(allow_none=True)
    position = _count(0, 10_000)


class CatalogFilterSchema(ma.Schema):
    q = SearchText(metadata={"description": "text, in Chinese or English; every word must match; empty "
                                            "means no query"})
    category_id = QueryId(metadata={"description": "this category and its subcategories"})
    store_id = QueryId()
    min_price = Money(strict=False)
    max_price = Money(strict=False)
    in_stock = ma.fields.Boolean(load_default=False)
    kind = ma.fields.String(validate=ma.validate.OneOf([k.value for k in ProductKind]))
    sort = ma.fields.String(
        validate=ma.validate.OneOf(["relevance", "newest", "price_asc", "price_desc", "rating"]),
        metadata={"description": "relevance (the default with q), newest (the default without)"},
    )


class CatalogStoreSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    rating = ma.fields.Float(allow_none=True)


class PublicVariantSchema(ma.Schema):
    id = ma.fields.Integer()
    sku = ma.fields.String()
    name = ma.fields.String()
    attributes = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    price = ma.fields.Integer()
    stock = ma.fields.Integer()


class CatalogItemSchema(ma.Schema):
    """A product in a list: enough to show a card."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()
    category_id = ma.fields.Integer()
    store = ma.fields.Nested(CatalogStoreSchema)
    image = ma.fields.Function(lambda p: p.images[0] if p.images else None, allow_none=True)
    price_from = ma.fields.Integer()
    in_stock = ma.fields.Boolean()
    rating = ma.fields.Float(allow_none=True)
    rating_count = ma.fields.Integer()


class CatalogProductSchema(CatalogItemSchema):
    description = ma.fields.String(allow_none=True)
    images = ma.fields.List(ma.fields.String())
    variants = ma.fields.List(ma.fields.Nested(PublicVariantSchema), attribute="active_variants")


class SlotSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    product_id = ma.fields.Integer(dump_only=True)
    starts_at = ma.fields.AwareDateTime(required=True, validate=_moment)
    ends_at = ma.fields.AwareDateTime(required=True, validate=_moment)
    capacity = _count(1, 1000, required=True)
    booked = ma.fields.Integer(dump_only=True)
    remaining = ma.fields.Integer(dump_only=True)


class SlotsCreateSchema(ma.Schema):
    slots = ma.fields.List(ma.fields.Nested(SlotSchema), required=True, validate=ma.validate.Length(min=1, max=200))


class SlotUpdateSchema(ma.Schema):
    capacity = _count(1, 1000, required=True)


class SlotFilterSchema(ma.Schema):
    until = ma.fields.AwareDateTime(validate=_moment)
