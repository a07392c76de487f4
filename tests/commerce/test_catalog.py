"""Products with variants and stock; a community's catalog by category, filters, and search in 中文 and English."""
import pytest

from commerce.catalog.search import document, query_terms
from tests.commerce.factories import CategoryFactory, product_of, slot_of, store_serving
from tests.conftest import bearer
from tests.factories import CommunityFactory, UserFactory, current_session, resident_of


@pytest.fixture
def world(connection):
    community = CommunityFactory()
    store, owner = store_serving(community)
    return community, store, owner, resident_of(community)


def _names(response):
    assert response.status_code == 200, response.json
    return [p["name"] for p in response.json["items"]]


def test_staff_add_a_product_with_variants_and_residents_see_it_once_published(client, world):
    community, store, owner, resident = world
    fruit = CategoryFactory(name="水果", name_en="Fruit")
    body = {
        "category_id": fruit.id, "name": "赣南脐橙", "description": "果肉细嫩 Navel oranges",
        "images": ["https://img.example.cn/orange.jpg"],
        "variants": [
            {"sku": "QC-5", "name": "5斤装", "attributes": {"size": "5斤"}, "price": 3990, "stock": 20},
            {"sku": "QC-10", "name": "10斤装", "attributes": {"size": "10斤"}, "price": 6990, "stock": 0},
        ],
    }
    created = client.post(f"/api/stores/{store.id}/products", json=body, headers=bearer(owner.id))
    assert created.status_code == 201, created.json
    product = created.json
    assert product["price_from"] == 3990 and product["published"] is False and product["in_stock"] is True
    url = f"/api/communities/{community.id}/products/{product['id']}"
    assert client.get(url, headers=bearer(resident.id)).status_code == 404

    client.patch(f"/api/stores/{store.id}/products/{product['id']}", json={"published": True},
                 headers=bearer(owner.id))
    seen = client.get(url, headers=bearer(resident.id)).json
    assert [v["sku"] for v in seen["variants"]] == ["QC-5", "QC-10"]
    assert seen["variants"][0]["attributes"] == {"size": "5斤"} and seen["store"]["name"] == store.name

    duplicate = client.post(f"/api/stores/{store.id}/products/{product['id']}/variants",
                            json={"sku": "QC-5", "name": "x", "price": 1}, headers=bearer(owner.id))
    assert duplicate.status_code == 409 and duplicate.json["code"] == "sku_taken"
    variant_id = product["variants"][0]["id"]
    cheaper = client.patch(f"/api/stores/{store.id}/variants/{variant_id}", json={"price": 2990, "stock": 0},
                           headers=bearer(owner.id))
    assert cheaper.json["price"] == 2990 and cheaper.json["stock"] == 0
    again = client.get(url, headers=bearer(resident.id)).json
    assert again["price_from"] == 2990 and again["in_stock"] is False


def test_residents_browse_by_category_including_its_subcategories(client, world):
    community, store, _owner, resident = world
    food = CategoryFactory(name="食品", name_en="Food")
    snacks = CategoryFactory(name="零食", name_en="Snacks", parent_id=food.id)
    other = CategoryFactory(name="日用", name_en="Household")
    product_of(store, name="大米", category=food)
    product_of(store, name="薯片", category=snacks)
    product_of(store, name="纸巾", category=other)
    url = f"/api/communities/{community.id}/products"
    assert sorted(_names(client.get(f"{url}?category_id={food.id}", headers=bearer(resident.id)))) == ["大米", "薯片"]
    assert _names(client.get(f"{url}?category_id={snacks.id}", headers=bearer(resident.id))) == ["薯片"]


def test_filters_by_price_and_stock_and_sorts_by_price(client, world):
    community, store, _owner, resident = world
    product_of(store, name="便宜货", price=500)
    product_of(store, name="中价货", price=1500, stock=0)
    product_of(store, name="高价货", price=5000)
    url = f"/api/communities/{community.id}/products"
    headers = bearer(resident.id)
    assert _names(client.get(f"{url}?min_price=1000&max_price=6000&sort=price_asc", headers=headers)) == [
        "中价货", "高价货"]
    assert _names(client.get(f"{url}?in_stock=true&sort=price_desc", headers=headers)) == ["高价货", "便宜货"]



def test_in_stock_means_units_of_an_active_variant_or_a_place_in_a_future_slot(client, world):
    community, store, _owner, resident = world
    product_of(store, name="有货", variants=[{"name": "小", "price": 100, "stock": 0},
                                          {"name": "大", "price": 200, "stock": 3}])
    retired = product_of(store, name="下架规格有货", stock=5)
    retired.variants[0].active = False
    product_of(store, name="售罄", stock=0)
    cleaning = product_of(store, name="保洁服务", kind="service", stock=0)
    slot_of(cleaning, capacity=2, booked=1)
    repair = product_of(store, name="维修服务", kind="service", stock=0)
    slot_of(repair, capacity=1, booked=1)
    slot_of(repair, hours_ahead=-2, capacity=3)  # places left, but it has begun
    product_of(store, name="无时段服务", kind="service", stock=0)
    current_session().commit()
    url = f"/api/communities/{community.id}/products"

    listed = _names(client.get(f"{url}?in_stock=true", headers=bearer(resident.id)))

    assert sorted(listed) == ["保洁服务", "有货"]
    assert len(_names(client.get(url, headers=bearer(resident.id)))) == 6

def test_only_published_products_of_stores_serving_the_community_are_listed(client, world):
    community, store, _owner, resident = world
    elsewhere, _ = store_serving(CommunityFactory())
    pending, _ = store_serving()
    product_of(store, name="上架苹果")
    product_of(store, name="下架苹果", published=False)
    product_of(elsewhere, name="别处苹果")
    product_of(pending, name="待审苹果")
    assert _names(client.get(f"/api/communities/{community.id}/products?q=苹果", headers=bearer(resident.id))) == [
        "上架苹果"]


def test_chinese_search_ranks_name_matches_above_description_matches(client, world):
    community, store, _owner, resident = world
    product_of(store, name="苹果", description="当季")
    product_of(store, name="果汁礼盒", description="用红富士苹果压榨")
    product_of(store, name="红富士苹果 5斤装", description="脆甜多汁")
    product_of(store, name="香蕉", description="进口")
    url = f"/api/communities/{community.id}/products"
    headers = bearer(resident.id)
    assert _names(client.get(f"{url}?q=苹果", headers=headers)) == ["苹果", "红富士苹果 5斤装", "果汁礼盒"]
    assert _names(client.get(f"{url}?q=红富士苹果", headers=headers)) == ["红富士苹果 5斤装", "果汁礼盒"]
    assert _names(client.get(f"{url}?q=榴莲", headers=headers)) == []


def test_english_search_matches_words_plurals_prefixes_and_full_width_letters(client, world):
    community, store, _owner, resident = world
    product_of(store, name="Fuji Apples", description="crisp")
    product_of(store, name="苹果醋", description="Apple cider vinegar")
    product_of(store, name="Orange juice", description="fresh")
    url = f"/api/communities/{community.id}/products"
    headers = bearer(resident.id)
    assert _names(client.get(f"{url}?q=apple", headers=headers)) == ["Fuji Apples", "苹果醋"]
    assert _names(client.get(f"{url}?q=APPL", headers=headers)) == ["Fuji Apples", "苹果醋"]
    assert _names(client.get(f"{url}?q=\uff46\uff55\uff4a\uff49", headers=headers)) == ["Fuji Apples"]
    assert _names(client.get(f"{url}?q=cider apple", headers=headers)) == ["苹果醋"]
    assert _names(client.get(f"{url}?q=%25%25", headers=headers)) == []


def test_the_query_finds_the_category_by_name_in_either_language(client, world):
    community, store, _owner, resident = world
    product_of(store, name="洗衣液", category=CategoryFactory(name="日用百货", name_en="Household"))
    url = f"/api/communities/{community.id}/products"
    assert _names(client.get(f"{url}?q=household", headers=bearer(resident.id))) == ["洗衣液"]
    assert _names(client.get(f"{url}?q=日用", headers=bearer(resident.id))) == ["洗衣液"]


def test_documents_and_queries_share_their_tokens():
    doc = document("红富士 苹果", "Apples")
    assert " 苹果 " in doc and " 士苹 " in doc and " apple " in doc and " 苹 " in doc
    assert [t.token for t in query_terms("红富士苹果")] == ["红富", "富士", "士苹", "苹果"]
    assert [(t.token, t.prefix) for t in query_terms("fresh apples")] == [("fresh", False), ("apple", True)]
    assert [t.token for t in query_terms("米")] == ["米"]
    assert query_terms("!!") == []


def test_the_catalog_counts_exactly_below_its_limit_and_pages_only_through_its_window(client, world):
    community, store, _owner, resident = world
    for name in ("一", "二", "三"):
        product_of(store, name=name)
    url = f"/api/communities/{community.id}/products"

    page = client.get(f"{url}?page_size=2", headers=bearer(resident.id)).json
    assert (page["total"], page["total_exact"], len(page["items"])) == (3, True, 2)
    assert client.get(f"{url}?page=100&page_size=100", headers=bearer(resident.id)).status_code == 200
    too_deep = client.get(f"{url}?page=101&page_size=100", headers=bearer(resident.id))
    assert too_deep.status_code == 422 and too_deep.json["errors"]["page"][0].startswith("只能翻看前 10000 条结果")


def _admin():
    return bearer(UserFactory(platform_role="admin").id)


def test_the_platform_renames_a_category_and_search_follows_the_new_name(client, world, run_jobs):
    community, store, _owner, resident = world
    category = CategoryFactory(name="日用", name_en="Household")
    product_of(store, name="洗衣液", category=category)
    url = f"/api/communities/{community.id}/products"
    renamed = client.patch(f"/api/commerce/categories/{category.id}", json={"name": "清洁用品", "name_en": "Cleaning"},
                           headers=_admin())
    assert renamed.status_code == 200 and renamed.json["name"] == "清洁用品"

    run_jobs()

    assert _names(client.get(f"{url}?q=清洁", headers=bearer(resident.id))) == ["洗衣液"]
    assert _names(client.get(f"{url}?q=cleaning", headers=bearer(resident.id))) == ["洗衣液"]
    assert _names(client.get(f"{url}?q=household", headers=bearer(resident.id))) == []


def test_the_category_tree_stays_two_levels_and_slugs_stay_unique(client, connection):
    food = CategoryFactory(slug="food")
    snacks = CategoryFactory(slug="snacks", parent_id=food.id)
    other = CategoryFactory(slug="other")

    def patch(category, **body):
        return client.patch(f"/api/commerce/categories/{category.id}", json=body, headers=_admin())

    assert patch(food, parent_id=other.id).status_code == 422  # it has a subcategory
    assert patch(other, parent_id=snacks.id).status_code == 422  # under a subcategory: a third level
    assert patch(other, parent_id=other.id).status_code == 422
    assert patch(other, slug="food").json["code"] == "category_slug_taken"
    moved = patch(snacks, parent_id=other.id, position=3)
    assert moved.status_code == 200 and (moved.json["parent_id"], moved.json["position"]) == (other.id, 3)
    assert patch(snacks, parent_id=None).json["parent_id"] is None


def test_only_an_empty_category_can_be_removed(client, world):
    _community, store, _owner, _resident = world
    parent = CategoryFactory()
    child = CategoryFactory(parent_id=parent.id)
    used = CategoryFactory()
    product_of(store, category=used)

    for busy in (parent, used):
        refused = client.delete(f"/api/commerce/categories/{busy.id}", headers=_admin())
        assert refused.status_code == 409 and refused.json["code"] == "category_in_use"
    assert client.delete(f"/api/commerce/categories/{child.id}", headers=_admin()).status_code == 204
    assert client.delete(f"/api/commerce/categories/{parent.id}", headers=_admin()).status_code == 204
    assert client.delete(f"/api/commerce/categories/{parent.id}", headers=_admin()).status_code == 404


def test_a_deleted_product_is_archived_out_of_every_list_and_every_cart(client, world):
    community, store, owner, resident = world
    product = product_of(store, name="过季月饼")
    keeper = product_of(store, name="大米")
    cart_url = f"/api/communities/{community.id}/stores/{store.id}/cart/lines"
    variant_id = product.variants[0].id
    assert client.put(cart_url, json={"variant_id": variant_id, "quantity": 2},
                      headers=bearer(resident.id)).status_code == 200
    mine = f"/api/stores/{store.id}/products"

    assert client.delete(f"{mine}/{product.id}", headers=bearer(owner.id)).status_code == 204
    assert client.delete(f"{mine}/{product.id}", headers=bearer(owner.id)).status_code == 204  # a retry

    assert [p["id"] for p in client.get(mine, headers=bearer(owner.id)).json["items"]] == [keeper.id]
    archived = client.get(f"{mine}?archived=true", headers=bearer(owner.id)).json["items"]
    assert [(p["id"], p["published"]) for p in archived] == [(product.id, False)] and archived[0]["archived_at"]
    assert _names(client.get(f"/api/communities/{community.id}/products", headers=bearer(resident.id))) == ["大米"]
    assert client.get(f"/api/communities/{community.id}/products/{product.id}",
                      headers=bearer(resident.id)).status_code == 404
    cart = client.get(f"/api/communities/{community.id}/stores/{store.id}/cart", headers=bearer(resident.id)).json
    assert cart["lines"] == []
    again = client.put(cart_url, json={"variant_id": variant_id, "quantity": 1}, headers=bearer(resident.id))
    assert again.status_code == 409 and again.json["code"] == "not_purchasable"
    for method, url, body in (("PATCH", f"{mine}/{product.id}", {"published": True}),
                              ("POST", f"{mine}/{product.id}/variants", {"sku": "MC-2", "name": "大", "price": 1}),
                              ("PATCH", f"/api/stores/{store.id}/variants/{variant_id}", {"stock": 5})):
        refused = client.open(url, method=method, json=body, headers=bearer(owner.id))
        assert refused.status_code == 409 and refused.json["code"] == "product_archived", (method, url)


def test_deleted_products_do_not_keep_their_category_from_being_removed(client, world):
    _community, store, owner, _resident = world
    seasonal = CategoryFactory(name="月饼")
    gone = product_of(store, name="过季月饼", category=seasonal)
    still_sold = product_of(store, name="冰皮月饼", category=seasonal)
    mine = f"/api/stores/{store.id}/products"
    category_url = f"/api/commerce/categories/{seasonal.id}"
    assert client.delete(f"{mine}/{gone.id}", headers=bearer(owner.id)).status_code == 204

    refused = client.delete(category_url, headers=_admin())
    assert refused.status_code == 409 and refused.json["code"] == "category_in_use"  # 冰皮月饼 is still sold
    assert client.delete(f"{mine}/{still_sold.id}", headers=bearer(owner.id)).status_code == 204
    assert client.delete(category_url, headers=_admin()).status_code == 204

    archived = client.get(f"{mine}?archived=true", headers=bearer(owner.id)).json["items"]
    assert sorted((p["name"], p["category_id"]) for p in archived) == [("冰皮月饼", None), ("过季月饼", None)]
    assert client.get(f"{mine}/{gone.id}", headers=bearer(owner.id)).json["category_id"] is None


def test_catalog_cards_read_without_the_orm_show_what_the_products_would(app, world):
    """The page's cards come from one Core query; they must say what the ORM's products say."""
    from commerce.catalog import queries
    from commerce.catalog.api import _catalog_page
    from commerce.catalog.models import Product

    _community, store, _owner, _resident = world
    store.rating_total, store.rating_count = 9, 2
    current_session().commit()
    products = [
        product_of(store, name="有货", stock=3),
        product_of(store, name="没货", stock=0),
        product_of(store, name="停售有货", variants=[{"name": "a", "price": 100, "stock": 5},
                                                 {"name": "b", "price": 200, "stock": 0}]),
        product_of(store, name="保洁", kind="service"),
    ]
    products[0].rating_total, products[0].rating_count, products[0].images = 14, 3, ["https://img.example.cn/a.jpg"]
    products[2].variants[0].active = False  # its units are not for sale
    current_session().commit()
    ids = [p.id for p in reversed(products)] + [10**9]  # a missing id is left out, as before
    with app.app_context():
        def page(items):
            return _catalog_page.dump({"items": items, "page": 1, "page_size": 20, "total": 4, "total_exact": True})

        cards = page(queries.cards(current_session(), ids))
        assert cards == page([current_session().get(Product, i) for i in ids[:-1]])
    assert [c["in_stock"] for c in cards["items"]] == [True, False, False, True]
    assert cards["items"][-1]["rating"] == 4.67 and cards["items"][-1]["image"] == "https://img.example.cn/a.jpg"
    assert cards["items"][0]["store"]["rating"] == 4.5
