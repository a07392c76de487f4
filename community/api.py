"""Communities, buildings, units, staff, residency claims, and `GET /api/me`."""
from flask.views import MethodView

from community import queries, service
from community.invalidation import directory_deps, profile_deps, residencies_deps
from community.policy import Permission
from community.schemas import (
    BuildingSchema,
    CommunityQuerySchema,
    CommunitySchema,
    CommunityUpdateSchema,
    MeSchema,
    OptionalReasonSchema,
    ReasonSchema,
    ResidencyClaimSchema,
    ResidencyFilterSchema,
    ResidencySchema,
    StaffAppointSchema,
    StaffMemberSchema,
    UnitSchema,
)
from core.auth import current_actor
from core.db import db
from core.httpcache import cached_json, entry
from core.idempotency import idempotent
from core.pagination import PageArgs, page_of, paginate
from core.policy import allows
from core.web import Blueprint

blp = Blueprint("community", __name__, url_prefix="/api", description="Communities and residency")

# The hot reads of every screen, cached until what they show changes (community/invalidation.py).
CACHE_SECONDS = 300
_me, _units, _residencies = MeSchema(), page_of(UnitSchema)(), page_of(ResidencySchema)()


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @blp.alt_response(304, response="NOT_MODIFIED")
    @blp.errors(401)
    def get(self):
        """The caller's profile, memberships and residencies (with an ETag)"""
        def read(user_id):
            return entry(profile_deps(user_id), "me", user_id)

        actor = current_actor(prefetch=lambda user_id: [read(user_id)])
        return cached_json(read(actor.user_id), lambda: queries.profile(db.session, actor), _me.dump, ttl=CACHE_SECONDS)


@blp.route("/communities")
class Communities(MethodView):
    @blp.arguments(CommunityQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(CommunitySchema))
    @blp.errors(401, 422)
    def get(self, args, **page):
        """The directory of communities (public facts only), searchable by name or address"""
        current_actor()
        return paginate(db.session, queries.communities(args.get("q")), page)

    @idempotent
    @blp.arguments(CommunitySchema)
    @blp.response(201, CommunitySchema)
    @blp.errors(401, 403, 409, 422)
    def post(self, body):
        """Open a community (platform admins)"""
        return service.create_community(db.session, current_actor(), **body)


@blp.route("/communities/<int:community_id>")
class CommunityDetail(MethodView):
    @blp.response(200, CommunitySchema)
    @blp.errors(401, 404)
    def get(self, community_id):
        """One community's public profile"""
        current_actor()
        return queries.get_community(db.session, community_id)

    @blp.arguments(CommunityUpdateSchema)
    @blp.response(200, CommunitySchema)
    @blp.errors(401, 403, 404, 422)
    def patch(self, body, community_id):
        """Edit a community's profile (its managers)"""
        return service.update_community(db.session, current_actor(), community_id, **body)


@blp.route("/communities/<int:community_id>/buildings")
class Buildings(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(BuildingSchema))
    @blp.errors(401, 404, 422)
    def get(self, community_id, **page):
        """A community's buildings (to choose where one lives)"""
        current_actor()
        queries.get_community(db.session, community_id)
        return paginate(db.session, queries.buildings(community_id), page)

    @idempotent
    @blp.arguments(BuildingSchema)
    @blp.response(201, BuildingSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id):
        """Add a building (managers)"""
        return service.add_building(db.session, current_actor(), community_id, **body)


@blp.route("/communities/<int:community_id>/buildings/<int:building_id>/units")
class Units(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(UnitSchema))
    @blp.alt_response(304, response="NOT_MODIFIED")
    @blp.errors(401, 404, 422)
    def get(self, community_id, building_id, **page):
        """A building's units (numbers only; never who lives there), with an ETag"""
        read = entry(directory_deps(community_id), "units", community_id, building_id, page)
        current_actor(prefetch=lambda _user_id: [read])

        def load():
            queries.get_building(db.session, community_id, building_id)
            return paginate(db.session, queries.units(community_id, building_id), page)

        return cached_json(read, load, _units.dump, ttl=CACHE_SECONDS)

    @idempotent
    @blp.arguments(UnitSchema)
    @blp.response(201, UnitSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id, building_id):
        """Add a unit to a building (managers)"""
        return service.add_unit(db.session, current_actor(), community_id, building_id, **body)


@blp.route("/communities/<int:community_id>/staff")
class Staff(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(StaffMemberSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, community_id, **page):
        """The community's staff and their roles (managers)"""
        return paginate(db.session, queries.staff(current_actor(), community_id), page)

    @idempotent
    @blp.arguments(StaffAppointSchema)
    @blp.response(201, StaffMemberSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id):
        """Appoint staff: platform admins appoint managers, managers appoint guards and maintenance"""
        return service.appoint_staff(db.session, current_actor(), community_id, **body)


@blp.route("/communities/<int:community_id>/staff/<int:staff_id>")
class StaffDetail(MethodView):
    @blp.response(204)
    @blp.errors(401, 403, 404)
    def delete(self, community_id, staff_id):
        """Remove a staff role"""
        service.remove_staff(db.session, current_actor(), community_id, staff_id)


@blp.route("/communities/<int:community_id>/residencies")
class Residencies(MethodView):
    @blp.arguments(ResidencyFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(ResidencySchema))
    @blp.alt_response(304, response="NOT_MODIFIED")
    @blp.errors(401, 422)
    def get(self, args, community_id, **page):
        """Residency claims: all of them for managers, one's own for anyone else (with an ETag)"""
        # Managers of a community share one list (fetched with the actor: it is mostly they who
        # ask); anyone else's is their own. Which one is decided on the actor of this request.
        def read(sees):
            return entry(residencies_deps(community_id), "residencies", community_id, sees, args, page)

        actor = current_actor(prefetch=lambda _user_id: [read("all")])
        sees = "all" if allows(actor, Permission.RESIDENCY_VIEW_ALL, community_id) else actor.user_id
        return cached_json(read(sees), lambda: paginate(db.session, queries.visible_residencies(
            actor, community_id, **args), page), _residencies.dump, ttl=CACHE_SECONDS)

    @idempotent
    @blp.arguments(ResidencyClaimSchema)
    @blp.response(201, ResidencySchema)
    @blp.errors(401, 404, 409, 422, 429)
    def post(self, body, community_id):
        """Claim a unit as one's home; a manager of the community approves or rejects it"""
        return service.claim_residency(db.session, current_actor(), community_id, **body)


@blp.route("/communities/<int:community_id>/residencies/<int:residency_id>")
class ResidencyDetail(MethodView):
    @blp.response(200, ResidencySchema)
    @blp.errors(401, 404)
    def get(self, community_id, residency_id):
        """One residency claim (its claimant or a manager)"""
        return queries.get_residency(db.session, current_actor(), community_id, residency_id)


@blp.route("/communities/<int:community_id>/residencies/<int:residency_id>/approve")
class ResidencyApprove(MethodView):
    @blp.response(200, ResidencySchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, community_id, residency_id):
        """Approve a pending claim (managers)"""
        return service.approve_residency(db.session, current_actor(), community_id, residency_id)


@blp.route("/communities/<int:community_id>/residencies/<int:residency_id>/reject")
class ResidencyReject(MethodView):
    @blp.arguments(ReasonSchema)
    @blp.response(200, ResidencySchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id, residency_id):
        """Reject a pending claim with a reason (managers)"""
        return service.reject_residency(db.session, current_actor(), community_id, residency_id, **body)


@blp.route("/communities/<int:community_id>/residencies/<int:residency_id>/end")
class ResidencyEnd(MethodView):
    @blp.arguments(OptionalReasonSchema)
    @blp.response(200, ResidencySchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id, residency_id):
        """End a residency: the resident moves out or withdraws a claim, or a manager ends it"""
        return service.end_residency(db.session, current_actor(), community_id, residency_id, **body)
