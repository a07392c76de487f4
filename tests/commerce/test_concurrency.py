"""Real simultaneous checkouts on PostgreSQL: the last units, a coupon's total and per-resident limits and
a service slot's places are never exceeded, however many residents race for them."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from commerce.catalog import queries as catalog_queries
from commerce.catalog.models import Category, Product, ServiceSlot, Variant
from commerce.catalog.service import refresh, reindex_category
from commerce.groupbuy.models import GroupDeal, PickupPoint
from commerce.orders.models import Cart, CartLine, Coupon, CouponClaim, CouponRedemption, Order, OrderLine
from core.db import db
from core.models import utcnow
from tests.commerce.factories import (
    CategoryFactory,
    CouponClaimFactory,
    CouponFactory,
    product_of,
    slot_of,
    store_serving,
)
from tests.conftest import bearer, on_both_databases
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    ResidencyFactory,
    UnitFactory,
    UserFactory,
    current_session,
    resident_of,
)
from tests.helpers import fire_together as _fire


def _cart(user, store, community, variant, quantity=1, slot=None):
    session = current_session()
    cart = Cart(user_id=user.id, store_id=store.id, community_id=community.id)
    cart.lines = [CartLine(variant_id=variant.id, quantity=quantity, slot_id=slot.id if slot else None)]
    session.add(cart)
    session.commit()


def _scalar(app, query):
    with app.app_context():
        return db.session.scalar(query)


@on_both_databases
def test_twenty_residents_racing_for_the_last_three_units_buy_exactly_three(app, committed):
    community = CommunityFactory()
    store, _ = store_serving(community)
    product = product_of(store, name="限量月饼", price=8800, stock=3)
    variant = product.variants[0]
    racers = [resident_of(community) for _ in range(20)]
    for user in racers:
        _cart(user, store, community, variant)
    url = f"/api/communities/{community.id}/stores/{store.id}/checkout"

    responses = _fire(app, [(url, {"fulfilment": "pickup"}, user) for user in racers])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [409] * 17, statuses
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"out_of_stock"}
    assert _scalar(app, select(Variant.stock).where(Variant.id == variant.id)) == 0
    assert _scalar(app, select(func.sum(OrderLine.quantity)).where(OrderLine.variant_id == variant.id)) == 3


@on_both_databases
def test_residents_buying_several_units_never_take_more_than_the_stock(app, committed):
    community = CommunityFactory()
    store, _ = store_serving(community)
    product = product_of(store, name="土鸡蛋", price=100, stock=10)
    variant = product.variants[0]
    racers = [resident_of(community) for _ in range(12)]
    for index, user in enumerate(racers):
        _cart(user, store, community, variant, quantity=1 + index % 3)
    url = f"/api/communities/{community.id}/stores/{store.id}/checkout"

    responses = _fire(app, [(url, {"fulfilment": "pickup"}, user) for user in racers])

    sold = _scalar(app, select(func.coalesce(func.sum(OrderLine.quantity), 0))
                   .where(OrderLine.variant_id == variant.id))
    left = _scalar(app, select(Variant.stock).where(Variant.id == variant.id))
    assert sold + left == 10 and left >= 0
    assert sold == sum(1 + i % 3 for i, r in enumerate(responses) if r.status_code == 201)
    assert {r.status_code for r in responses} <= {201, 409}


@on_both_databases
def test_a_coupon_with_a_total_limit_of_three_is_redeemed_exactly_three_times(app, committed):
    community = CommunityFactory()
    store, _ = store_serving(community)
    product = product_of(store, name="大米", price=5000, stock=100)
    coupon = CouponFactory(store=store, code="FIRST3", kind="fixed", value=1000, total_limit=3)
    racers = [resident_of(community) for _ in range(12)]
    for user in racers:
        _cart(user, store, community, product.variants[0])
    url = f"/api/communities/{community.id}/stores/{store.id}/checkout"

    responses = _fire(app, [(url, {"fulfilment": "pickup", "coupon_code": "FIRST3"}, user) for user in racers])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [409] * 9, statuses
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"coupon_exhausted"}
    assert {r.json["discount"] for r in responses if r.status_code == 201} == {1000}
    assert _scalar(app, select(Coupon.redeemed).where(Coupon.id == coupon.id)) == 3
    assert _scalar(app, select(func.count()).where(CouponRedemption.coupon_id == coupon.id)) == 3


@on_both_databases
def test_one_resident_racing_checkouts_in_several_communities_keeps_to_the_per_resident_limit(app, committed):
    communities = [CommunityFactory() for _ in range(8)]
    store, _ = store_serving(*communities)
    product = product_of(store, name="食用油", price=6000, stock=100)
    CouponFactory(store=store, code="TWICE", kind="percent", value=20, per_resident_limit=2)
    resident = UserFactory()
    for community in communities:
        ResidencyFactory(user=resident, unit=UnitFactory(building=BuildingFactory(community=community)))
        _cart(resident, store, community, product.variants[0])
    requests = [(f"/api/communities/{c.id}/stores/{store.id}/checkout",
                 {"fulfilment": "pickup", "coupon_code": "TWICE"}, resident) for c in communities]

    responses = _fire(app, requests)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 2 + [409] * 6, statuses
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"coupon_limit_reached"}
    assert _scalar(app, select(func.count()).where(Order.user_id == resident.id)) == 2


@on_both_databases
def test_twelve_residents_claiming_a_coupon_with_three_left_get_exactly_three(app, committed):
    community = CommunityFactory()
    store, _ = store_serving(community)
    coupon = CouponFactory(store=store, code="GRAB", claimable=True, per_resident_limit=1, total_limit=5)
    for _ in range(2):  # two already claimed: three left
        CouponClaimFactory(coupon=coupon, user=resident_of(community))
    racers = [resident_of(community) for _ in range(12)]
    url = f"/api/communities/{community.id}/coupons/{coupon.id}/claim"

    responses = _fire(app, [(url, None, user) for user in racers])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [409] * 9, statuses
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"coupon_exhausted"}
    assert _scalar(app, select(Coupon.claimed).where(Coupon.id == coupon.id)) == 5
    assert _scalar(app, select(func.count()).where(CouponClaim.coupon_id == coupon.id)) == 5


@on_both_databases
def test_one_resident_claiming_a_coupon_many_times_at_once_holds_it_once(app, committed):
    community = CommunityFactory()
    store, _ = store_serving(community)
    coupon = CouponFactory(store=store, code="ONCE", claimable=True, per_resident_limit=1, total_limit=100)
    resident = resident_of(community)
    url = f"/api/communities/{community.id}/coupons/{coupon.id}/claim"

    responses = _fire(app, [(url, None, resident) for _ in range(6)])

    assert sorted(r.status_code for r in responses) == [200] * 5 + [201], [r.json for r in responses]
    assert _scalar(app, select(Coupon.claimed).where(Coupon.id == coupon.id)) == 1
    assert _scalar(app, select(func.count()).where(CouponClaim.coupon_id == coupon.id)) == 1


@on_both_databases
def test_a_wallet_coupon_is_applied_to_one_of_simultaneous_checkouts_and_the_others_pay_in_full(app, committed):
    communities = [CommunityFactory() for _ in range(4)]
    store, _ = store_serving(*communities)
    product = product_of(store, name="蜂蜜", price=5000, stock=100)
    coupon = CouponFactory(store=store, code="HONEY", claimable=True, per_resident_limit=1, total_limit=10,
                           value=1000)
    resident = UserFactory()
    for community in communities:
        ResidencyFactory(user=resident, unit=UnitFactory(building=BuildingFactory(community=community)))
        _cart(resident, store, community, product.variants[0])
    CouponClaimFactory(coupon=coupon, user=resident)
    requests = [(f"/api/communities/{c.id}/stores/{store.id}/checkout", {"fulfilment": "pickup"}, resident)
                for c in communities]

    responses = _fire(app, requests)

    assert [r.status_code for r in responses] == [201] * 4, [r.json for r in responses]
    assert sorted(r.json["discount"] for r in responses) == [0, 0, 0, 1000]
    assert _scalar(app, select(Coupon.redeemed).where(Coupon.id == coupon.id)) == 1


@on_both_databases
def test_a_service_slot_with_two_places_is_booked_exactly_twice(app, committed):
    community = CommunityFactory()
    store, _ = store_serving(community)
    cleaning = product_of(store, name="日常保洁 2小时", price=12000, kind="service")
    slot = slot_of(cleaning, capacity=2)
    racers = [resident_of(community) for _ in range(10)]
    for user in racers:
        _cart(user, store, community, cleaning.variants[0], slot=slot)
    url = f"/api/communities/{community.id}/stores/{store.id}/checkout"

    responses = _fire(app, [(url, {"fulfilment": "pickup"}, user) for user in racers])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 2 + [409] * 8, statuses
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"slot_full"}
    assert _scalar(app, select(ServiceSlot.booked).where(ServiceSlot.id == slot.id)) == 2


@on_both_databases
def test_a_checkout_retried_many_times_at_once_with_one_key_makes_one_order(app, committed):
    community = CommunityFactory()
    store, _ = store_serving(community)
    product = product_of(store, name="牛奶", price=600, stock=50)
    resident = resident_of(community)
    _cart(resident, store, community, product.variants[0], quantity=2)
    url = f"/api/communities/{community.id}/stores/{store.id}/checkout"
    barrier = threading.Barrier(8)

    def send(_):
        client = app.test_client()
        barrier.wait()
        return client.post(url, json={"fulfilment": "pickup"},
                           headers={**bearer(resident.id), "Idempotency-Key": "flaky-network-checkout"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(send, range(8)))

    assert {r.status_code for r in responses} <= {201, 409}, [r.json for r in responses]
    assert len({r.json["id"] for r in responses if r.status_code == 201}) == 1
    assert _scalar(app, select(func.count()).where(Order.user_id == resident.id)) == 1
    assert _scalar(app, select(Variant.stock).where(Variant.id == product.variants[0].id)) == 48


@on_both_databases
def test_deleting_a_product_while_deals_are_opened_on_it_never_leaves_a_deal_on_a_deleted_product(app, committed):
    community = CommunityFactory()
    store, owner = store_serving(community)
    crabs = product_of(store, name="大闸蟹", price=16800, stock=50)
    session = current_session()
    point = PickupPoint(community_id=community.id, name="便利点", location="大堂",
                        host_user_id=resident_of(community).id, commission_bps=500)
    session.add(point)
    session.commit()
    deal = {"community_id": community.id, "variant_id": crabs.variants[0].id, "pickup_point_id": point.id,
            "title": "团购", "price": 9900, "min_participants": 2,
            "cut_off_at": (utcnow() + timedelta(hours=1)).isoformat()}
    opening = [("POST", f"/api/stores/{store.id}/group-deals", deal, owner)] * 6
    deleting = ("DELETE", f"/api/stores/{store.id}/products/{crabs.id}", None, owner)

    responses = _fire(app, [*opening[:3], deleting, *opening[3:]])

    archived = _scalar(app, select(Product.archived_at).where(Product.id == crabs.id)) is not None
    open_deals = _scalar(app, select(func.count()).select_from(GroupDeal).where(GroupDeal.product_id == crabs.id))
    deleted = responses[3].status_code == 204
    assert deleted == archived and not (archived and open_deals), (archived, open_deals)
    expected = {"product_archived"} if deleted else {"product_in_group_deal"}
    assert {r.json["code"] for r in responses if r.status_code == 409} <= expected
    assert sorted(r.status_code for r in responses[:3] + responses[4:]) == sorted(
        [201] * open_deals + [409] * (6 - open_deals))


@on_both_databases
def test_categories_moved_and_created_at_once_never_make_a_third_level(app, committed):
    # Each round races the three ways a third level could appear: X goes under Y while Z goes
    # under X, Y goes under W, and a new category is created under X.
    admin = UserFactory(platform_role="admin")
    rounds = [{name: CategoryFactory(slug=f"r{i}-{name}") for name in "xyzw"} for i in range(4)]
    url = "/api/commerce/categories"
    requests = []
    for i, c in enumerate(rounds):
        requests += [("PATCH", f"{url}/{c['x'].id}", {"parent_id": c["y"].id}, admin),
                     ("PATCH", f"{url}/{c['z'].id}", {"parent_id": c["x"].id}, admin),
                     ("PATCH", f"{url}/{c['y'].id}", {"parent_id": c["w"].id}, admin),
                     ("POST", url, {"slug": f"r{i}-new", "name": "新", "name_en": "New", "parent_id": c["x"].id},
                      admin)]

    responses = _fire(app, requests)

    assert {r.status_code for r in responses} <= {200, 201, 422}, [r.json for r in responses]
    parent = Category.__table__.alias("parent")
    third_level = (select(func.count()).select_from(Category)
                   .join(parent, parent.c.id == Category.parent_id).where(parent.c.parent_id.is_not(None)))
    assert _scalar(app, third_level) == 0
    assert any(r.status_code == 422 for r in responses)


def test_a_product_being_deleted_holds_up_neither_its_category_nor_its_store(app, committed):
    community = CommunityFactory()
    store, _owner = store_serving(community)
    neighbour, neighbour_owner = store_serving(community)
    seasonal = CategoryFactory()
    doomed = product_of(store, name="过季月饼", category=seasonal)
    rice = product_of(store, name="大米", price=5000, stock=10)
    resident = resident_of(community)
    _cart(resident, store, community, rice.variants[0])
    new_product = {"category_id": seasonal.id, "name": "新月饼",
                   "variants": [{"sku": "YB-1", "name": "盒", "price": 100}]}

    with app.app_context(), ThreadPoolExecutor(max_workers=2) as pool:
        deleting = Session(db.engine)
        # The row lock a deletion holds while it checks the product's deals and empties carts.
        catalog_queries.get_store_product(deleting, store.id, doomed.id, lock=True)
        try:
            added = pool.submit(app.test_client().post, f"/api/stores/{neighbour.id}/products", json=new_product,
                                headers=bearer(neighbour_owner.id))
            ordered = pool.submit(app.test_client().post,
                                  f"/api/communities/{community.id}/stores/{store.id}/checkout",
                                  json={"fulfilment": "pickup"}, headers=bearer(resident.id))
            assert added.result(timeout=5).status_code == 201
            assert ordered.result(timeout=5).status_code == 201
        finally:
            deleting.rollback()
            deleting.close()


@on_both_databases
def test_edits_of_one_product_at_once_leave_its_search_text_describing_it(app, committed):
    community = CommunityFactory()
    store, owner = store_serving(community)
    product = product_of(store, name="苹果", description="新鲜")
    url = f"/api/stores/{store.id}/products/{product.id}"
    edits = [{"name": f"红富士{i}"} if i % 2 else {"description": f"烟台产地{i}"} for i in range(8)]

    responses = _fire(app, [("PATCH", url, edit, owner) for edit in edits])

    assert {r.status_code for r in responses} == {200}
    with app.app_context():
        stored = db.session.get(Product, product.id)
        documents = stored.name_text, stored.search_text
        refresh(stored)
        assert documents == (stored.name_text, stored.search_text)


def _in_app(app, function, *args):
    with app.app_context():
        return function(*args)


def _wait_for_a_lock_wait(app):
    with app.app_context():
        for _ in range(100):
            waiting = db.session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                             " AND datname = current_database()"))
            db.session.rollback()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("nothing waited for the lock")


def test_a_rename_reindexing_during_an_edit_keeps_the_edit_and_the_new_name(app, committed):
    store, _owner = store_serving(CommunityFactory())
    category = CategoryFactory(name="日用", name_en="Household")
    product = product_of(store, name="洗衣液", category=category)

    with app.app_context(), ThreadPoolExecutor(max_workers=1) as pool:
        editing = Session(db.engine)
        # An edit in flight: it read the category's old name and has written the product's new one.
        edited = catalog_queries.get_store_product(editing, store.id, product.id, lock=True)
        edited.name = "洗衣凝珠"
        refresh(edited)
        editing.flush()
        try:
            with Session(db.engine) as renaming:
                renaming.get(Category, category.id).name = "清洁用品"
                renaming.commit()
            reindexing = pool.submit(_in_app, app, reindex_category, category.id)
            _wait_for_a_lock_wait(app)
            editing.commit()
            assert reindexing.result(timeout=5) == 1
        finally:
            editing.close()

        stored = db.session.get(Product, product.id)
        assert " 凝珠 " in stored.search_text and " 清洁 " in stored.search_text and " 日用 " not in stored.search_text
