"""Revenue as charts: a community's share by month and by store (its managers), and the platform's
commission rates and revenue (platform admins): the same reports and services as
/api/communities/<id>/revenue, /api/payments/commission-rates and /api/payments/summary."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from sqlalchemy import select

from commerce.stores import reports
from community.models import Community
from console import charts, forms
from console.problems import render_page, shows_problems
from console.web import blp
from core.db import db
from core.i18n import lazy_gettext as _l
from core.pagination import PageArgs, paginate
from payments import commission, exports
from payments import queries as payment_queries
from payments.schemas import CommissionRateSchema

_page_args, _rate = PageArgs(), CommissionRateSchema()


def _period() -> dict:
    return {"first": forms.day(request.args.get("from")), "last": forms.day(request.args.get("to"))}


@blp.get("/communities/<int:community_id>/revenue")
def community_revenue(community_id: int):
    report = reports.community_revenue(db.session, g.console_actor, community_id, **_period())
    chart = charts.by_month(report["by_month"], value_names={"amount": str(_l("Community share"))})
    return render_page("console/revenue/community.html", community_id=community_id, report=report, chart=chart)


@blp.get("/communities/<int:community_id>/revenue.csv")
def community_revenue_csv(community_id: int):
    return exports.csv_response(*reports.community_revenue_rows(db.session, g.console_actor, community_id,
                                                                **_period()))


def rates_page(problem=None):
    page = paginate(db.session, payment_queries.commission_rates(g.console_actor), forms.load(_page_args, request.args))
    communities = db.session.execute(select(Community.id, Community.name).order_by(Community.name)).all()
    return render_page("console/platform/commission.html", page=page, communities=communities,
                       names=dict(communities), problem=problem)


@blp.get("/platform/commission")
def commission_rates():
    return rates_page()


@blp.post("/platform/commission")
@shows_problems(rates_page)
def commission_rate_set():
    body = forms.load(_rate, request.form)
    commission.set_commission_rate(db.session, g.console_actor, **body)
    flash(str(_l("The rates are saved; payments from now on use them.")))
    return redirect(url_for("console.commission_rates"))


@blp.get("/platform/revenue")
def platform_revenue():
    summary = payment_queries.platform_summary(db.session, g.console_actor, **_period())
    chart = charts.by_month([m for m in summary["months"] if m["currency"] == "CNY"], value_names={
        "gmv": str(_l("GMV")), "platform_commission": str(_l("Platform commission")),
        "community_shares": str(_l("Community shares")), "refunds": str(_l("Refunds"))})
    return render_page("console/platform/revenue.html", summary=summary, chart=chart)
