"""The manager's service-request queue and a request's page with every workflow action: the same
queries and workflow functions as /api/communities/<id>/service-requests."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from sqlalchemy import select

from community.models import StaffRole
from community.requests import queries, workflow
from community.requests.models import Status
from community.requests.schemas import AssignSchema, CommentSchema, MergeSchema, QueueArgsSchema, TransitionSchema
from community.requests.states import MOVES, Action
from console import forms, sla
from console.problems import render_page, shows_problems
from console.web import blp
from core.db import db
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.pagination import PageArgs, paginate
from identity.models import User

_queue_args, _page_args = QueueArgsSchema(), PageArgs()
_transition, _assign, _comment, _merge = TransitionSchema(), AssignSchema(), CommentSchema(), MergeSchema()
# What staff do from the request's page; reopening is the requester's.
STAFF_ACTIONS = [action for action in Action if action != Action.REOPEN]


def _staff(community_id: int) -> list[User]:
    ids = queries.staff_ids(db.session, community_id, StaffRole.MANAGER, StaffRole.MAINTENANCE)
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.display_name))) if ids else []


@blp.get("/communities/<int:community_id>/requests")
def request_queue(community_id: int):
    """The queue, filtered and paged on the server, each request coloured by its SLA clock."""
    args = forms.load(_queue_args, request.args)
    page = paginate(db.session, queries.request_queue(db.session, g.console_actor, community_id, **args),
                    forms.load(_page_args, request.args))
    now = utcnow()
    categories = db.session.scalars(queries.categories(db.session, g.console_actor, community_id,
                                                       include_inactive=True)).all()
    return render_page("console/requests/queue.html", community_id=community_id, page=page, args=args,
                       clocks={r.id: sla.of_request(r, now) for r in page["items"]}, statuses=list(Status),
                       categories=categories, staff=_staff(community_id))


def request_page(community_id: int, request_id: int, problem=None):
    actor = g.console_actor
    found = queries.get_request(db.session, actor, community_id, request_id)
    return render_page(
        "console/requests/detail.html", community_id=community_id, req=found, problem=problem,
        clock=sla.of_request(found, utcnow()),
        actions=[a for a in STAFF_ACTIONS if found.status in MOVES[a].leaves],
        needs_reason={a for a in STAFF_ACTIONS if MOVES[a].needs_reason},
        history=db.session.scalars(queries.history(db.session, actor, community_id, request_id)).all(),
        comments=db.session.scalars(queries.comments(db.session, actor, community_id, request_id)).all(),
        duplicates=queries.duplicates_of(db.session, actor, community_id, request_id),
        staff=_staff(community_id),
    )


@blp.get("/communities/<int:community_id>/requests/<int:request_id>")
def request_detail(community_id: int, request_id: int):
    return request_page(community_id, request_id)


def _back(community_id: int, request_id: int, message):
    flash(str(message))
    return redirect(url_for("console.request_detail", community_id=community_id, request_id=request_id))


@blp.post("/communities/<int:community_id>/requests/<int:request_id>/transition")
@shows_problems(request_page)
def request_transition(community_id: int, request_id: int):
    body = forms.load(_transition, request.form)
    workflow.transition(db.session, g.console_actor, community_id, request_id, **body)
    return _back(community_id, request_id, _l("Done: %(action)s.", action=body["action"]))


@blp.post("/communities/<int:community_id>/requests/<int:request_id>/assignment")
@shows_problems(request_page)
def request_assignment(community_id: int, request_id: int):
    assignee = request.form.get("assignee_id", "")
    body = forms.load(_assign, request.form) if assignee else {"assignee_id": None}
    workflow.assign_request(db.session, g.console_actor, community_id, request_id, **body)
    return _back(community_id, request_id, _l("The assignment is saved."))


@blp.post("/communities/<int:community_id>/requests/<int:request_id>/comments")
@shows_problems(request_page)
def request_comment(community_id: int, request_id: int):
    body = forms.load(_comment, request.form)
    workflow.add_comment(db.session, g.console_actor, community_id, request_id, **body)
    return _back(community_id, request_id, _l("The comment is added."))


@blp.post("/communities/<int:community_id>/requests/<int:request_id>/merge")
@shows_problems(request_page)
def request_merge(community_id: int, request_id: int):
    body = forms.load(_merge, request.form)
    workflow.merge_request(db.session, g.console_actor, community_id, request_id, **body)
    return _back(community_id, request_id, _l("Merged into #%(id)s.", id=body["original_id"]))
