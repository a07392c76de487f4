"""Parcels at the gate (快递代收) for a community's staff: log one for a unit, hand one over against
its pickup code, see those waiting: the same query and services as /api/communities/<id>/parcels."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from community.models import Unit
from community.parcels import queries, service
from community.parcels.models import ParcelStatus
from community.parcels.schemas import DeskParcelSchema, ParcelDeskFilterSchema, ParcelHandOverSchema, ParcelLogSchema
from console import forms
from console.problems import render_page, shows_problems
from console.web import blp
from core.db import db
from core.i18n import lazy_gettext as _l
from core.pagination import PageArgs, paginate

_filter, _page_args, _shown = ParcelDeskFilterSchema(), PageArgs(), DeskParcelSchema()
_log, _hand_over = ParcelLogSchema(), ParcelHandOverSchema()


def parcels_page(community_id: int, problem=None):
    args = forms.load(_filter, request.args) if request.args.get("status") is not None else {
        "status": ParcelStatus.WAITING}
    page = paginate(db.session, queries.desk_parcels(g.console_actor, community_id, **args),
                    forms.load(_page_args, request.args))
    page["items"] = [_shown.dump(parcel) for parcel in page["items"]]
    units = db.session.scalars(select(Unit).where(Unit.community_id == community_id)
                               .options(joinedload(Unit.building)).order_by(Unit.building_id, Unit.number)).all()
    return render_page("console/parcels.html", community_id=community_id, page=page, args=args, units=units,
                       statuses=list(ParcelStatus), problem=problem)


@blp.get("/communities/<int:community_id>/parcels")
def parcels(community_id: int):
    return parcels_page(community_id)


@blp.post("/communities/<int:community_id>/parcels")
@shows_problems(parcels_page)
def parcel_log(community_id: int):
    service.log_parcel(db.session, g.console_actor, community_id, **forms.load(_log, request.form))
    flash(str(_l("The parcel is logged; its household has the pickup code.")))
    return redirect(url_for("console.parcels", community_id=community_id))


@blp.post("/communities/<int:community_id>/parcels/pickup")
@shows_problems(parcels_page)
def parcel_hand_over(community_id: int):
    parcel = service.hand_over_parcel(db.session, g.console_actor, community_id,
                                      **forms.load(_hand_over, request.form))
    flash(str(_l("Parcel %(tracking)s is handed over.", tracking=parcel.tracking_number)))
    return redirect(url_for("console.parcels", community_id=community_id))
