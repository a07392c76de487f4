"""HTTP endpoints of logistics: couriers' duty, location and route; delivering by the resident's code;
a resident's view of its order's delivery; managers' roster; couriers' earnings."""
from flask.views import MethodView

from commerce.stores.schemas import PayoutAccountSetupSchema, PayoutAccountStatusSchema
from core.auth import current_actor
from core.db import db
from core.web import Blueprint
from logistics import queries, service
from logistics.schemas import (
    CourierEnrolSchema,
    CourierPointSchema,
    CourierRosterSchema,
    CourierSchema,
    DeliverSchema,
    DutySchema,
    EarningsSchema,
    FailSchema,
    IncomingHaulSchema,
    LocationAckSchema,
    OrderDeliverySchema,
    RouteSchema,
    TaskSchema,
)
from payments import statements
from payments.schemas import PeriodArgs

blp = Blueprint(
    "logistics", __name__, url_prefix="/api",
    description=(
        "Delivery inside the community. A delivery order that the store marks ready becomes a task; "
        "dispatch (every few seconds) offers it to a courier on duty, batching tasks that share a store "
        "or a building and ordering each courier's stops (pickups before drops); an offer not accepted "
        "within 60 s, or declined, goes to another courier. The courier collects at the store (the order "
        "is out for delivery) and hands over on the resident's pickup code (the order is delivered and the "
        "courier's fee, the order's delivery fee, moves to its balance). Couriers share their location "
        "only on duty and with consent; residents see it only while their own order is on its way."
    ),
)


@blp.route("/communities/<int:community_id>/couriers")
class Couriers(MethodView):
    @blp.response(200, CourierRosterSchema(many=True))
    @blp.errors(401, 403)
    def get(self, community_id):
        """The community's couriers, their duty and load, never their location (managers)"""
        return queries.community_couriers(db.session, current_actor(), community_id)

    @blp.arguments(CourierEnrolSchema)
    @blp.response(201, CourierSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id):
        """Enrol a user as a courier of the community (managers)"""
        courier = service.enroll_courier(db.session, current_actor(), community_id, **body)
        return queries.courier_view(db.session, courier)


@blp.route("/couriers/me/duty")
class Duty(MethodView):
    @blp.arguments(DutySchema)
    @blp.response(200, CourierSchema)
    @blp.errors(401, 403, 422)
    def put(self, body):
        """Go on or off duty, with or without sharing the location"""
        return queries.courier_view(db.session, service.set_duty(db.session, current_actor(), **body))


@blp.route("/couriers/me/location")
class Location(MethodView):
    @blp.arguments(CourierPointSchema)
    @blp.response(200, LocationAckSchema)
    @blp.errors(401, 403, 409, 422)
    def put(self, body):
        """The courier's current point (kept at most every 10 s, forgotten after 15 minutes or off duty)"""
        return {"kept": service.report_location(db.session, current_actor(), **body)}


@blp.route("/couriers/me/route")
class Route(MethodView):
    @blp.response(200, RouteSchema)
    @blp.errors(401, 403)
    def get(self):
        """The courier's tasks in route order and the next stop"""
        return queries.my_route(db.session, current_actor())


def _step(action, summary, schema=None):
    """One courier step on one of its tasks, as a view."""
    if schema is None:
        def post(self, task_id):
            return queries.task_view(action(db.session, current_actor(), task_id))
    else:
        @blp.arguments(schema)
        def post(self, body, task_id):
            return queries.task_view(action(db.session, current_actor(), task_id, **body))
    post.__doc__ = summary
    post = blp.response(200, TaskSchema)(blp.errors(401, 403, 404, 409, 422)(post))
    return type(f"Task{action.__name__.title().replace('_', '')}", (MethodView,), {"post": post})


for _path, _action, _summary, _schema in (
    ("accept", service.accept, "Accept an offered task", None),
    ("decline", service.decline, "Pass on a task; another courier gets it", None),
    ("pickup", service.pick_up, "Collected at the store: the order is out for delivery", None),
    ("deliver", service.deliver, "Hand over on the resident's code, or the pickup point host's for a haul "
     "(422 for a wrong code)", DeliverSchema),
    ("fail", service.fail, "Nobody took it: bring it back to the store, which sends it again or refunds",
     FailSchema),
):
    blp.route(f"/couriers/me/tasks/<int:task_id>/{_path}")(_step(_action, _summary, _schema))


@blp.route("/couriers/me/earnings")
class Earnings(MethodView):
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, EarningsSchema)
    @blp.errors(401, 403, 422)
    def get(self, args):
        """What the courier earned over a period (this month by default) and is owed now"""
        _first, _last, since, until = statements.period(args.get("from_"), args.get("to"), "Asia/Shanghai")
        return queries.my_earnings(db.session, current_actor(), since=since, until=until)


@blp.route("/couriers/me/payout-account")
class CourierPayoutAccount(MethodView):
    @blp.arguments(PayoutAccountSetupSchema)
    @blp.response(200, PayoutAccountStatusSchema)
    @blp.errors(401, 403, 422, 502)
    def post(self, body):
        """Set up where the courier's earnings are paid out (Stripe Connect Express)"""
        return service.set_up_payout_account(db.session, current_actor(), **body)


@blp.route("/communities/<int:community_id>/orders/<int:order_id>/delivery")
class OrderDelivery(MethodView):
    @blp.response(200, OrderDeliverySchema)
    @blp.errors(401, 404)
    def get(self, community_id, order_id):
        """The delivery of one's own order: progress, ETA, and the courier while it is on its way"""
        return queries.order_delivery(db.session, current_actor(), community_id, order_id)


@blp.route("/stores/<int:store_id>/deliveries/<int:task_id>/redispatch")
class Redispatch(MethodView):
    @blp.response(200, TaskSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, store_id, task_id):
        """Send a failed delivery out again (store staff)"""
        return queries.task_view(service.redispatch(db.session, current_actor(), store_id, task_id))


@blp.route("/pickup-hosts/me/hauls")
class IncomingHauls(MethodView):
    @blp.response(200, IncomingHaulSchema(many=True))
    @blp.errors(401)
    def get(self):
        """Group-deal goods on their way to the pickup points one hosts, with the code for the courier"""
        return queries.my_incoming_hauls(db.session, current_actor())
