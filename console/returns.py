"""A store's return requests (售后) for its staff to decide: the same queries and services as
/api/stores/<id>/returns (approving refunds the lines, and is the owner's; staff may reject)."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from commerce.orders import queries, returns
from commerce.orders.models import ReturnStatus
from commerce.orders.schemas import ReturnApproveSchema, ReturnFilterSchema, ReturnRejectSchema, ReturnRequestSchema
from commerce.stores import queries as store_queries
from console import forms
from console.problems import render_page, shows_problems
from console.web import blp
from core.db import db
from core.i18n import lazy_gettext as _l
from core.pagination import PageArgs, paginate

_filter, _page_args, _shown = ReturnFilterSchema(), PageArgs(), ReturnRequestSchema()
_approve, _reject = ReturnApproveSchema(), ReturnRejectSchema()


def returns_page(store_id: int, problem=None, return_id: int | None = None):
    store, _access = store_queries.get_own_store(db.session, g.console_actor, store_id)
    args = forms.load(_filter, request.args) if "status" in request.args else {"status": ReturnStatus.REQUESTED}
    page = paginate(db.session, queries.store_returns(db.session, g.console_actor, store_id, **args),
                    forms.load(_page_args, request.args))
    page["items"] = [_shown.dump(found) for found in page["items"]]
    return render_page("console/store/returns.html", store=store, page=page, args=args, statuses=list(ReturnStatus),
                       problem=problem, failed_id=return_id)


@blp.get("/stores/<int:store_id>/returns")
def store_returns(store_id: int):
    return returns_page(store_id)


def _back(store_id: int, message):
    flash(str(message))
    return redirect(url_for("console.store_returns", store_id=store_id))


@blp.post("/stores/<int:store_id>/returns/<int:return_id>/approve")
@shows_problems(returns_page)
def return_approve(store_id: int, return_id: int):
    returns.approve_return(db.session, g.console_actor, store_id, return_id, **forms.load(_approve, request.form))
    return _back(store_id, _l("The return is approved and refunded."))


@blp.post("/stores/<int:store_id>/returns/<int:return_id>/reject")
@shows_problems(returns_page)
def return_reject(store_id: int, return_id: int):
    returns.reject_return(db.session, g.console_actor, store_id, return_id, **forms.load(_reject, request.form))
    return _back(store_id, _l("The return is rejected."))
