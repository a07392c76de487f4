"""Service requests: categories, filing, the manager's queue and workflow, comments, ratings, SLA
statistics and settings."""
from flask.views import MethodView

from community.requests import categories, filing, queries, workflow
from community.requests.invalidation import queue_deps
from community.requests.schemas import (
    AssignSchema,
    CategoryFilterSchema,
    CategorySchema,
    CategoryUpdateSchema,
    CommentSchema,
    DuplicateSchema,
    EventSchema,
    FiledRequestSchema,
    FileRequestSchema,
    MergeSchema,
    QueueArgsSchema,
    RatingSchema,
    ServiceRequestSchema,
    SettingsSchema,
    StatsArgsSchema,
    StatsSchema,
    TransitionSchema,
)
from core.auth import current_actor
from core.db import db
from core.httpcache import cached_json, entry
from core.idempotency import idempotent
from core.pagination import PageArgs, page_of, paginate
from core.web import Blueprint

CACHE_SECONDS = 300
_queue_page = page_of(ServiceRequestSchema)()

blp = Blueprint("requests", __name__, url_prefix="/api",
                description="Service requests (报事报修, complaints)")


@blp.route("/communities/<int:community_id>/request-categories")
class Categories(MethodView):
    @blp.arguments(CategoryFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(CategorySchema))
    @blp.errors(401, 404, 422)
    def get(self, args, community_id, **page):
        """The categories a request can be filed under (members; managers may include archived ones)"""
        return paginate(db.session, queries.categories(db.session, current_actor(), community_id, **args), page)

    @idempotent
    @blp.arguments(CategorySchema)
    @blp.response(201, CategorySchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id):
        """Add a category with its extra fields, assignee group and SLA targets (managers)"""
        return categories.create_category(db.session, current_actor(), community_id, **body)


@blp.route("/communities/<int:community_id>/request-categories/<int:category_id>")
class CategoryDetail(MethodView):
    @blp.response(200, CategorySchema)
    @blp.errors(401, 404)
    def get(self, community_id, category_id):
        """One category, with the extra fields it asks for"""
        return queries.member_category(db.session, current_actor(), community_id, category_id)

    @blp.arguments(CategoryUpdateSchema)
    @blp.response(200, CategorySchema)
    @blp.errors(401, 403, 404, 409, 422)
    def patch(self, body, community_id, category_id):
        """Edit or archive a category (managers)"""
        return categories.update_category(db.session, current_actor(), community_id, category_id, **body)


@blp.route("/communities/<int:community_id>/service-requests")
class ServiceRequests(MethodView):
    @blp.arguments(QueueArgsSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(ServiceRequestSchema))
    @blp.alt_response(304, response="NOT_MODIFIED")
    @blp.errors(401, 404, 422)
    def get(self, args, community_id, **page):
        """The request queue: the community's for managers and maintenance, one's own for residents (with an ETag)"""
        # Cached per reader (what they may see, and whose contacts, is theirs) until a request,
        # category, name, unit or their roles change (community/requests/invalidation.py). An age
        # filter moves with the clock, so it is computed every time.
        def read(user_id):
            return entry(queue_deps(user_id, community_id), "request-queue", user_id, community_id, args, page)

        actor = current_actor(prefetch=lambda user_id: [read(user_id)])
        return cached_json(read(actor.user_id), lambda: paginate(db.session, queries.request_queue(
            db.session, actor, community_id, **args), page), _queue_page.dump, ttl=CACHE_SECONDS,
            cache=args.get("min_age_hours") is None)

    @idempotent
    @blp.arguments(FileRequestSchema)
    @blp.response(201, FiledRequestSchema)
    @blp.errors(401, 403, 404, 422, 429)
    def post(self, body, community_id):
        """File a request; open requests of the same category nearby come back as possible duplicates"""
        return filing.file_request(db.session, current_actor(), community_id, **body)


@blp.route("/communities/<int:community_id>/service-requests/<int:request_id>")
class ServiceRequestDetail(MethodView):
    @blp.response(200, ServiceRequestSchema)
    @blp.errors(401, 404)
    def get(self, community_id, request_id):
        """One request (its requester, managers and maintenance staff)"""
        return queries.get_request(db.session, current_actor(), community_id, request_id)


@blp.route("/communities/<int:community_id>/service-requests/<int:request_id>/transitions")
class Transitions(MethodView):
    @blp.arguments(TransitionSchema)
    @blp.response(200, ServiceRequestSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id, request_id):
        """Move a request along: acknowledge, start, hold, resume, resolve, close, decline (staff); reopen
        (its requester, within the reopen window)"""
        return workflow.transition(db.session, current_actor(), community_id, request_id, **body)


@blp.route("/communities/<int:community_id>/service-requests/<int:request_id>/assignment")
class Assignment(MethodView):
    @blp.arguments(AssignSchema)
    @blp.response(200, ServiceRequestSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def put(self, body, community_id, request_id):
        """Assign the request to a manager or maintenance staff member, or unassign it (managers)"""
        return workflow.assign_request(db.session, current_actor(), community_id, request_id, **body)


@blp.route("/communities/<int:community_id>/service-requests/<int:request_id>/comments")
class Comments(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(CommentSchema))
    @blp.errors(401, 404, 422)
    def get(self, community_id, request_id, **page):
        """The conversation on a request; internal notes only for staff"""
        return paginate(db.session, queries.comments(db.session, current_actor(), community_id, request_id), page)

    @idempotent
    @blp.arguments(CommentSchema)
    @blp.response(201, CommentSchema)
    @blp.errors(401, 403, 404, 422)
    def post(self, body, community_id, request_id):
        """Comment: visible to the requester, or internal to staff"""
        return workflow.add_comment(db.session, current_actor(), community_id, request_id, **body)


@blp.route("/communities/<int:community_id>/service-requests/<int:request_id>/rating")
class Rating(MethodView):
    @idempotent
    @blp.arguments(RatingSchema)
    @blp.response(201, ServiceRequestSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id, request_id):
        """Rate a resolved request 1 to 5, with optional reasons (its requester): this confirms and closes
        it, but 2 or less with the reason `not_fixed`, within the reopen window, reopens it instead"""
        return workflow.rate_request(db.session, current_actor(), community_id, request_id, **body)


@blp.route("/communities/<int:community_id>/service-requests/<int:request_id>/merge")
class Merge(MethodView):
    @blp.arguments(MergeSchema)
    @blp.response(200, ServiceRequestSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id, request_id):
        """Close this request as a duplicate of an earlier one (managers)"""
        return workflow.merge_request(db.session, current_actor(), community_id, request_id, **body)


@blp.route("/communities/<int:community_id>/service-requests/<int:request_id>/history")
class History(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(EventSchema))
    @blp.errors(401, 404, 422)
    def get(self, community_id, request_id, **page):
        """Every change to a request: who, when, from which status to which, and why"""
        return paginate(db.session, queries.history(db.session, current_actor(), community_id, request_id), page)


@blp.route("/communities/<int:community_id>/service-requests/<int:request_id>/possible-duplicates")
class PossibleDuplicates(MethodView):
    @blp.response(200, DuplicateSchema(many=True))
    @blp.errors(401, 403, 404)
    def get(self, community_id, request_id):
        """Open requests of the same category at the same building or nearby (staff)"""
        return queries.duplicates_of(db.session, current_actor(), community_id, request_id)


@blp.route("/communities/<int:community_id>/service-request-stats")
class Stats(MethodView):
    @blp.arguments(StatsArgsSchema, location="query")
    @blp.response(200, StatsSchema)
    @blp.errors(401, 403, 404, 422)
    def get(self, args, community_id):
        """Per category over local days: counts, median times to first response and to resolution, breach
        rate, average rating (managers)"""
        return queries.stats(db.session, current_actor(), community_id, **args)


@blp.route("/communities/<int:community_id>/service-request-settings")
class Settings(MethodView):
    @blp.response(200, SettingsSchema)
    @blp.errors(401, 404)
    def get(self, community_id):
        """Daily filing limits, reopen window and duplicate radius of the community (members)"""
        return queries.community_settings(db.session, current_actor(), community_id)

    @blp.arguments(SettingsSchema)
    @blp.response(200, SettingsSchema)
    @blp.errors(401, 403, 404, 422)
    def patch(self, body, community_id):
        """Change the service-request settings (managers)"""
        return categories.update_settings(db.session, current_actor(), community_id, **body)

