"""Stores: opening one, staff, applications to communities and their decisions, suspension, settlement."""
from flask.views import MethodView

from commerce.api import blp
from commerce.stores import queries, reports, service
from commerce.stores.schemas import (
    ApplicationCreateSchema,
    ApplicationFilterSchema,
    ApplicationSchema,
    CommunityApplicationSchema,
    CommunityRevenueSchema,
    PayoutAccountSetupSchema,
    PayoutAccountStatusSchema,
    PublicStoreSchema,
    SettlementSchema,
    StoreReasonSchema,
    StoreSchema,
    StoreStaffSchema,
    StoreUpdateSchema,
)
from core.auth import current_actor
from core.db import db
from core.idempotency import idempotent
from core.pagination import PageArgs, page_of, paginate
from payments.schemas import ExportSchema, PeriodArgs


@blp.route("/stores")
class Stores(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(StoreSchema))
    @blp.errors(401, 422)
    def get(self, **page):
        """The stores the caller owns or works at"""
        return paginate(db.session, queries.my_stores(current_actor()), page)

    @idempotent
    @blp.arguments(StoreSchema)
    @blp.response(201, StoreSchema)
    @blp.errors(401, 422)
    def post(self, body):
        """Open a store (the caller becomes its owner); it sells nowhere until a community approves it"""
        return service.create_store(db.session, current_actor(), **body)


@blp.route("/stores/<int:store_id>")
class StoreDetail(MethodView):
    @blp.response(200, StoreSchema)
    @blp.errors(401, 404)
    def get(self, store_id):
        """One of the caller's stores"""
        return queries.get_own_store(db.session, current_actor(), store_id)[0]

    @blp.arguments(StoreUpdateSchema)
    @blp.response(200, StoreSchema)
    @blp.errors(401, 403, 404, 422)
    def patch(self, body, store_id):
        """Edit the store: hours, fulfilment, fees, minimum order (owners)"""
        return service.update_store(db.session, current_actor(), store_id, **body)


@blp.route("/stores/<int:store_id>/suspend")
class StoreSuspend(MethodView):
    @blp.arguments(StoreReasonSchema)
    @blp.response(200, StoreSchema)
    @blp.errors(401, 403, 404, 422)
    def post(self, body, store_id):
        """Suspend a store in every community at once (platform admins)"""
        return service.set_store_status(db.session, current_actor(), store_id, suspended=True, **body)


@blp.route("/stores/<int:store_id>/reinstate")
class StoreReinstate(MethodView):
    @blp.response(200, StoreSchema)
    @blp.errors(401, 403, 404)
    def post(self, store_id):
        """Lift a platform suspension (platform admins)"""
        return service.set_store_status(db.session, current_actor(), store_id, suspended=False)


@blp.route("/stores/<int:store_id>/staff")
class StoreStaffList(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(StoreStaffSchema))
    @blp.errors(401, 404, 422)
    def get(self, store_id, **page):
        """The store's accounts and their roles"""
        queries.get_own_store(db.session, current_actor(), store_id)
        return paginate(db.session, queries.store_staff(store_id), page)

    @idempotent
    @blp.arguments(StoreStaffSchema)
    @blp.response(201, StoreStaffSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, store_id):
        """Give a user an account at the store, as owner or staff (owners)"""
        return service.add_store_staff(db.session, current_actor(), store_id, **body)


@blp.route("/stores/<int:store_id>/staff/<int:staff_id>")
class StoreStaffDetail(MethodView):
    @blp.response(204)
    @blp.errors(401, 403, 404, 409)
    def delete(self, store_id, staff_id):
        """Remove an account from the store (owners; the last owner stays)"""
        service.remove_store_staff(db.session, current_actor(), store_id, staff_id)


@blp.route("/stores/<int:store_id>/applications")
class StoreApplications(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(ApplicationSchema))
    @blp.errors(401, 404, 422)
    def get(self, store_id, **page):
        """The communities the store applied to, and its standing in each"""
        queries.get_own_store(db.session, current_actor(), store_id)
        return paginate(db.session, queries.store_applications(store_id), page)

    @idempotent
    @blp.arguments(ApplicationCreateSchema)
    @blp.response(201, ApplicationSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, store_id):
        """Apply to serve a community; its managers approve or reject (owners)"""
        return service.apply_to_community(db.session, current_actor(), store_id, **body)


@blp.route("/stores/<int:store_id>/applications/<int:application_id>/withdraw")
class StoreApplicationWithdraw(MethodView):
    @blp.response(200, ApplicationSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, store_id, application_id):
        """Withdraw a pending application, or stop serving a community (owners)"""
        return service.withdraw_application(db.session, current_actor(), store_id, application_id)


def _json_or_csv(schema) -> dict:
    return {"200": {"description": "JSON, or with format=csv the same as CSV (UTF-8 with BOM)", "content": {
        "application/json": {"schema": schema}, "text/csv": {"schema": {"type": "string"}}}}}


_EXPORTING = {"description": "a large CSV is made by a job: fetch it from `download` when done"}


@blp.route("/stores/<int:store_id>/settlement")
class StoreSettlement(MethodView):
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, SettlementSchema)
    @blp.alt_response(202, schema=ExportSchema, **_EXPORTING)
    @blp.doc(responses=_json_or_csv(SettlementSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, args, store_id):
        """The store's statement for a period: opening and closing balance, every line with its order (owners)"""
        return reports.answer(db.session, current_actor(), "store_statement", {"store_id": store_id},
                              reports.store_statement_rows, report_of=reports.store_statement,
                              first=args.get("from_"), last=args.get("to"), format=args["format"])


@blp.route("/stores/<int:store_id>/payout-account")
class StorePayoutAccount(MethodView):
    @blp.arguments(PayoutAccountSetupSchema)
    @blp.response(200, PayoutAccountStatusSchema)
    @blp.errors(401, 403, 404, 422, 502)
    def post(self, body, store_id):
        """Set up where payouts go (Stripe Connect Express): the account, and the link to finish onboarding (owners)"""
        return service.set_up_payout_account(db.session, current_actor(), store_id, **body)


@blp.route("/communities/<int:community_id>/revenue")
class CommunityRevenue(MethodView):
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, CommunityRevenueSchema)
    @blp.alt_response(202, schema=ExportSchema, **_EXPORTING)
    @blp.doc(responses=_json_or_csv(CommunityRevenueSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, args, community_id):
        """The community's revenue for a period: total, by month and by store, with the orders behind it (managers)"""
        return reports.answer(db.session, current_actor(), "community_revenue", {"community_id": community_id},
                              reports.community_revenue_rows, report_of=reports.community_revenue,
                              first=args.get("from_"), last=args.get("to"), format=args["format"])


@blp.route("/communities/<int:community_id>/store-applications")
class CommunityApplications(MethodView):
    @blp.arguments(ApplicationFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(CommunityApplicationSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, args, community_id, **page):
        """Stores that applied to serve the community, and those serving it (managers)"""
        return paginate(db.session, queries.community_applications(current_actor(), community_id, **args), page)


@blp.route("/communities/<int:community_id>/store-applications/<int:application_id>/approve")
class ApplicationApprove(MethodView):
    @blp.response(200, CommunityApplicationSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, community_id, application_id):
        """Let the store sell to the community (managers)"""
        return service.approve_application(db.session, current_actor(), community_id, application_id)


@blp.route("/communities/<int:community_id>/store-applications/<int:application_id>/reject")
class ApplicationReject(MethodView):
    @blp.arguments(StoreReasonSchema)
    @blp.response(200, CommunityApplicationSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id, application_id):
        """Reject a pending application with a reason (managers)"""
        return service.reject_application(db.session, current_actor(), community_id, application_id, **body)


@blp.route("/communities/<int:community_id>/store-applications/<int:application_id>/suspend")
class ApplicationSuspend(MethodView):
    @blp.arguments(StoreReasonSchema)
    @blp.response(200, CommunityApplicationSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id, application_id):
        """Take a store off the community at once, with a reason (managers)"""
        return service.suspend_in_community(db.session, current_actor(), community_id, application_id, **body)


@blp.route("/communities/<int:community_id>/store-applications/<int:application_id>/reinstate")
class ApplicationReinstate(MethodView):
    @blp.response(200, CommunityApplicationSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, community_id, application_id):
        """Let a suspended store sell to the community again (managers)"""
        return service.reinstate_in_community(db.session, current_actor(), community_id, application_id)


@blp.route("/communities/<int:community_id>/stores")
class CommunityStores(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(PublicStoreSchema))
    @blp.errors(401, 404, 422)
    def get(self, community_id, **page):
        """The stores serving the community now"""
        return paginate(db.session, queries.community_stores(current_actor(), community_id), page)


@blp.route("/communities/<int:community_id>/stores/<int:store_id>")
class CommunityStoreDetail(MethodView):
    @blp.response(200, PublicStoreSchema)
    @blp.errors(401, 404)
    def get(self, community_id, store_id):
        """A store serving the community: hours, fulfilment, fees and rating"""
        return queries.get_serving_store(db.session, current_actor(), community_id, store_id)
