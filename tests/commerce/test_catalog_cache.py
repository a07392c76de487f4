"""The community catalog's pages and searches: cached in Redis, conditional, stale never, shared only within
a community's members."""
import pytest
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from commerce.catalog.models import Variant
from tests.commerce.factories import CategoryFactory, product_of, slot_of, store_serving
from tests.commerce.test_orders import _add, _checkout
from tests.conftest import bearer
from tests.factories import CommunityFactory, UserFactory, resident_of


@pytest.fixture
def world(connection):
    community = CommunityFactory()
    store, owner = store_serving(community)
    return community, store, owner, resident_of(community)


@pytest.fixture
def session(connection):
    """A session of its own, as a checkout, a job or another worker would change rows."""
    return Session(bind=connection, join_transaction_mode="create_savepoint")


def _catalog(client, community, user, query="", **headers):
    response = client.get(f"/api/communities/{community.id}/products{query}", headers={**bearer(user.id), **headers})
    assert response.status_code in (200, 304), response.get_data(as_text=True)
    return response


def _items(response):
    return {item["name"]: item for item in response.json["items"]}


def test_pages_are_cached_so_the_tests_below_test_the_invalidation(client, connection, world):
    community, store, _owner, resident = world
    product_of(store, name="苹果")
    assert list(_items(_catalog(client, community, resident))) == ["苹果"]
    connection.execute(text("UPDATE products SET name = 'behind its back' WHERE store_id = :id"), {"id": store.id})
    assert list(_items(_catalog(client, community, resident))) == ["苹果"]


def test_an_edit_new_product_or_price_shows_at_once(client, world):
    community, store, owner, resident = world
    apples = product_of(store, name="苹果", price=1000)
    first = _catalog(client, community, resident)
    client.patch(f"/api/stores/{store.id}/products/{apples.id}", json={"name": "红富士苹果"}, headers=bearer(owner.id))
    client.patch(f"/api/stores/{store.id}/variants/{apples.variants[0].id}", json={"price": 800},
                 headers=bearer(owner.id))
    fruit = CategoryFactory()
    client.post(f"/api/stores/{store.id}/products", headers=bearer(owner.id), json={
        "category_id": fruit.id, "name": "雪梨", "published": True,
        "variants": [{"sku": "PEAR-1", "name": "1斤", "price": 600, "stock": 3}]})
    again = _catalog(client, community, resident, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert {name: item["price_from"] for name, item in _items(again).items()} == {"红富士苹果": 800, "雪梨": 600}


def test_unpublishing_and_deleting_take_products_out_at_once(client, world):
    community, store, owner, resident = world
    apples, pears = product_of(store, name="苹果"), product_of(store, name="雪梨")
    assert set(_items(_catalog(client, community, resident))) == {"苹果", "雪梨"}
    client.patch(f"/api/stores/{store.id}/products/{apples.id}", json={"published": False}, headers=bearer(owner.id))
    assert set(_items(_catalog(client, community, resident))) == {"雪梨"}
    client.delete(f"/api/stores/{store.id}/products/{pears.id}", headers=bearer(owner.id))
    assert _items(_catalog(client, community, resident)) == {}


def test_the_last_unit_sold_shows_out_of_stock_at_once(client, session, world):
    """Checkout takes stock with a bulk UPDATE ... WHERE stock >= n, whose rows the session never sees."""
    community, store, owner, resident = world
    apples = product_of(store, name="苹果", stock=1)
    in_stock = "?in_stock=true&kind=goods"
    assert _items(_catalog(client, community, resident))["苹果"]["in_stock"] is True
    assert set(_items(_catalog(client, community, resident, in_stock))) == {"苹果"}
    session.execute(update(Variant).where(Variant.id == apples.variants[0].id, Variant.stock >= 1)
                    .values(stock=Variant.stock - 1).execution_options(synchronize_session=False))
    session.commit()
    assert _items(_catalog(client, community, resident))["苹果"]["in_stock"] is False
    assert _items(_catalog(client, community, resident, in_stock)) == {}
    client.patch(f"/api/stores/{store.id}/variants/{apples.variants[0].id}", json={"stock": 5},
                 headers=bearer(owner.id))
    assert _items(_catalog(client, community, resident))["苹果"]["in_stock"] is True


def test_a_suspended_store_leaves_the_catalog_at_once(client, world):
    community, store, _owner, resident = world
    product_of(store, name="苹果")
    admin = UserFactory(platform_role="admin")
    assert set(_items(_catalog(client, community, resident))) == {"苹果"}
    suspended = client.post(f"/api/stores/{store.id}/suspend", json={"reason": "投诉"}, headers=bearer(admin.id))
    assert suspended.status_code == 200
    assert _items(_catalog(client, community, resident)) == {}


def test_searches_find_a_new_product_at_once(client, world):
    community, store, _owner, resident = world
    product_of(store, name="有机苹果")
    assert set(_items(_catalog(client, community, resident, "?q=苹果"))) == {"有机苹果"}
    product_of(store, name="进口苹果")
    assert set(_items(_catalog(client, community, resident, "?q=苹果"))) == {"有机苹果", "进口苹果"}


def test_each_community_gets_its_own_catalog_and_only_its_members(client, world):
    community, store, _owner, resident = world
    elsewhere = CommunityFactory()
    other_store, _ = store_serving(elsewhere)
    product_of(store, name="苹果")
    product_of(other_store, name="香蕉")
    neighbour = resident_of(elsewhere)
    assert set(_items(_catalog(client, community, resident))) == {"苹果"}
    assert set(_items(_catalog(client, elsewhere, neighbour))) == {"香蕉"}
    # A page cached for one community's members is not served to someone of another.
    stranger = client.get(f"/api/communities/{community.id}/products", headers=bearer(neighbour.id))
    assert stranger.status_code == 404


def test_filters_and_pages_are_cached_apart(client, world):
    community, store, _owner, resident = world
    for name in ("一", "二", "三"):
        product_of(store, name=name)
    assert len(_catalog(client, community, resident).json["items"]) == 3
    assert len(_catalog(client, community, resident, "?page_size=2").json["items"]) == 2
    assert len(_catalog(client, community, resident, "?page_size=2&page=2").json["items"]) == 1
    assert len(_catalog(client, community, resident, "?q=一").json["items"]) == 1


def test_an_unchanged_page_is_a_304_with_private_caching(client, world):
    community, store, _owner, resident = world
    product_of(store, name="苹果")
    first = _catalog(client, community, resident)
    assert first.headers["Cache-Control"] == "private, no-cache" and first.headers["ETag"]
    again = _catalog(client, community, resident, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    english = _catalog(client, community, resident, **{"If-None-Match": first.headers["ETag"],
                                                        "Accept-Language": "en"})
    assert english.status_code == 200


def test_services_in_stock_follow_the_clock_so_they_are_never_cached(client, connection, world):
    community, store, _owner, resident = world
    cleaning = product_of(store, name="保洁", kind="service")
    slot = slot_of(cleaning, hours_ahead=24)
    assert set(_items(_catalog(client, community, resident, "?in_stock=true"))) == {"保洁"}
    # The slot starting is no write at all: only the clock tells, here moved by SQL behind the back.
    connection.execute(text("UPDATE service_slots SET starts_at = now() - interval '1 hour' WHERE id = :id"),
                       {"id": slot.id})
    assert _items(_catalog(client, community, resident, "?in_stock=true")) == {}


def test_a_checkout_of_the_last_unit_shows_out_of_stock_at_once(client, world):
    community, store, _owner, resident = world
    apples = product_of(store, name="苹果", stock=2)
    assert _items(_catalog(client, community, resident))["苹果"]["in_stock"] is True
    _add(client, community, store, resident, apples.variants[0].id, 2)
    assert _checkout(client, community, store, resident).status_code == 201
    assert _items(_catalog(client, community, resident))["苹果"]["in_stock"] is False
