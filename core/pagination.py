"""One pagination shape for every list: `?page=&page_size=` in, `{items, page, page_size, total, total_exact}` out.

Lists count every row they match. Lists that can match a great many (the catalog of a community)
count up to a limit, as search engines do ("1,000+ results"): `total_exact` is then false and
`total` is the limit. Such lists also bound how deep a client can page (a result window), since
an offset that deep costs the database as much as the rows it skips.
"""
from __future__ import annotations

from functools import cache
from typing import Any

import marshmallow as ma
from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import Session

from core.i18n import gettext

MAX_PAGE_SIZE = 100


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    page_size = ma.fields.Integer(
        load_default=20, validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE)
    )


def windowed(max_rows: int) -> type[PageArgs]:
    """Page arguments that refuse pages beyond the first `max_rows` rows (422 on `page`)."""

    def _within_window(self, data, **kwargs):
        if data["page"] * data["page_size"] > max_rows:
            raise ma.ValidationError(
                gettext("Only the first %(rows)s results can be paged through; narrow the search.", rows=max_rows),
                "page")

    return type(f"PageArgsWithin{max_rows}", (PageArgs,), {"_within_window": ma.validates_schema(_within_window)})


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
            "total_exact": ma.fields.Boolean(
                required=True, metadata={"description": "false when `total` is a lower bound: more rows match"}
            ),
        },
    )


def paginate(session: Session, query: Select, args: dict[str, Any], *, scalars: bool = True,
             count_limit: int | None = None) -> dict:
    """Runs `query` for one page, with the count of rows it matches (counted up to `count_limit`)."""
    page, size = args.get("page", 1), args.get("page_size", 20)
    counted = query.order_by(None)
    if count_limit is not None:
        # The database stops at the limit instead of visiting every matching row.
        counted = counted.with_only_columns(literal(1), maintain_column_froms=True).limit(count_limit + 1)
    total = session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    exact = count_limit is None or total <= count_limit
    result = session.execute(query.limit(size).offset((page - 1) * size))
    items = list(result.scalars() if scalars else result)
    return {"items": items, "page": page, "page_size": size, "total": total if exact else count_limit,
            "total_exact": exact}
