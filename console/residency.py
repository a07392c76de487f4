"""Residency claims of a community, for its managers to approve or reject: the same query and
service functions as /api/communities/<id>/residencies."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from community import queries, service
from community.models import ResidencyStatus
from community.schemas import ReasonSchema, ResidencyFilterSchema
from console import forms
from console.problems import render_page, shows_problems
from console.web import blp
from core.db import db
from core.i18n import lazy_gettext as _l
from core.pagination import PageArgs, paginate

_filter, _page_args, _reason = ResidencyFilterSchema(), PageArgs(), ReasonSchema()


def residencies_page(community_id: int, problem=None, residency_id: int | None = None):
    args = forms.load(_filter, request.args) if "status" in request.args else {"status": ResidencyStatus.PENDING}
    page = paginate(db.session, queries.visible_residencies(g.console_actor, community_id, **args),
                    forms.load(_page_args, request.args))
    return render_page("console/residencies.html", community_id=community_id, page=page, args=args,
                       statuses=list(ResidencyStatus), problem=problem, failed_id=residency_id)


@blp.get("/communities/<int:community_id>/residencies")
def residencies(community_id: int):
    queries.require_member(g.console_actor, community_id)
    return residencies_page(community_id)


def _back(community_id: int, message):
    flash(str(message))
    return redirect(url_for("console.residencies", community_id=community_id))


@blp.post("/communities/<int:community_id>/residencies/<int:residency_id>/approve")
@shows_problems(residencies_page)
def residency_approve(community_id: int, residency_id: int):
    found = service.approve_residency(db.session, g.console_actor, community_id, residency_id)
    return _back(community_id, _l("%(name)s is now a resident.", name=found.user.display_name))


@blp.post("/communities/<int:community_id>/residencies/<int:residency_id>/reject")
@shows_problems(residencies_page)
def residency_reject(community_id: int, residency_id: int):
    body = forms.load(_reason, request.form)
    service.reject_residency(db.session, g.console_actor, community_id, residency_id, **body)
    return _back(community_id, _l("The claim is rejected."))
