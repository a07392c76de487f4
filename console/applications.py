"""Stores that applied to serve a community, for its managers to approve, reject, suspend or
reinstate: the same query and services as /api/communities/<id>/store-applications."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from commerce.stores import queries, service
from commerce.stores.models import ServiceStatus
from commerce.stores.schemas import ApplicationFilterSchema, CommunityApplicationSchema, StoreReasonSchema
from console import forms
from console.problems import render_page, shows_problems
from console.web import blp
from core.db import db
from core.i18n import lazy_gettext as _l
from core.pagination import PageArgs, paginate

_filter, _page_args, _shown, _reason = ApplicationFilterSchema(), PageArgs(), CommunityApplicationSchema(), \
    StoreReasonSchema()


def applications_page(community_id: int, problem=None, application_id: int | None = None):
    if "status" in request.args:
        args = forms.load(_filter, request.args)
    elif application_id is not None:  # a refused decision: the list the application is in, to show why
        failed = queries.get_community_application(db.session, g.console_actor, community_id, application_id)
        args = {"status": failed.status}
    else:
        args = {"status": ServiceStatus.PENDING}
    page = paginate(db.session, queries.community_applications(g.console_actor, community_id, **args),
                    forms.load(_page_args, request.args))
    page["items"] = [_shown.dump(found) for found in page["items"]]
    return render_page("console/applications.html", community_id=community_id, page=page, args=args,
                       statuses=list(ServiceStatus), problem=problem, failed_id=application_id)


@blp.get("/communities/<int:community_id>/store-applications")
def store_applications(community_id: int):
    return applications_page(community_id)


def _back(community_id: int, message):
    flash(str(message))
    return redirect(url_for("console.store_applications", community_id=community_id))


@blp.post("/communities/<int:community_id>/store-applications/<int:application_id>/<any(approve, reinstate):step>")
@shows_problems(lambda community_id, application_id, problem, step: applications_page(
    community_id, problem, application_id))
def application_step(community_id: int, application_id: int, step: str):
    decide = service.approve_application if step == "approve" else service.reinstate_in_community
    decide(db.session, g.console_actor, community_id, application_id)
    return _back(community_id, _l("The store may sell here."))


@blp.post("/communities/<int:community_id>/store-applications/<int:application_id>/<any(reject, suspend):step>")
@shows_problems(lambda community_id, application_id, problem, step: applications_page(
    community_id, problem, application_id))
def application_refusal(community_id: int, application_id: int, step: str):
    decide = service.reject_application if step == "reject" else service.suspend_in_community
    decide(db.session, g.console_actor, community_id, application_id, **forms.load(_reason, request.form))
    return _back(community_id, _l("The store may not sell here."))
