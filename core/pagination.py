"""One pagination shape for every list: `?page=&page_size=` in, `{items, page, page_size, total}` out."""
from __future__ import annotations

from functools import cache
from typing import Any

import marshmallow as ma
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PAGE_SIZE = 100


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    page_size = ma.fields.Integer(
        load_default=20, validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE)
    )


@cache
def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The envelope schema for a page of `item_schema`, named after it in the OpenAPI spec."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (ma.Schema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "page": ma.fields.Integer(required=True),
            "page_size": ma.fields.Integer(required=True),
            "total": ma.fields.Integer(required=True),
        },
    )


def paginate(session: Session, query: Select, args: dict[str, Any], *, scalars: bool = True) -> dict:
    """Runs `query` for one page, with the total count of rows it matches."""
    page, size = args.get("page", 1), args.get("page_size", 20)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    result = session.execute(query.limit(size).offset((page - 1) * size))
    items = list(result.scalars() if scalars else result)
    return {"items": items, "page": page, "page_size": size, "total": total or 0}
