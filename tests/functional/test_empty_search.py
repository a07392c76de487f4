"""An empty search box means no search: every list that takes `q` answers `q=` and a blank `q` as if
it had none, where it used to refuse the first (422) or search for spaces."""
from urllib.parse import quote

import pytest

from tests.commerce.factories import product_of, store_serving
from tests.conftest import bearer
from tests.factories import CommunityFactory, resident_of

BLANKS = ["", " ", "   ", "\t", " \u3000 "]  # the last has an ideographic space, as Chinese keyboards type


@pytest.fixture
def world(connection):
    community = CommunityFactory(name="阳光 花园")  # a space in its name: a blank query used to match it alone
    CommunityFactory(name="翠湖苑")
    store, owner = store_serving(community)
    product_of(store, name="红富士苹果")
    product_of(store, name="赣南 脐橙")
    product_of(store, name="下架的梨", published=False)
    return {"c": community.id, "s": store.id, "owner": owner, "resident": resident_of(community)}


LISTS = [
    # (who, url of the list without q)
    ("resident", "/api/communities/{c}/products"),
    ("owner", "/api/stores/{s}/products"),
    ("resident", "/api/communities"),
]


@pytest.mark.parametrize("who, url", LISTS, ids=[url for _who, url in LISTS])
@pytest.mark.parametrize("blank", BLANKS, ids=[f"q={blank!r}" for blank in BLANKS])
def test_an_empty_or_blank_query_lists_what_no_query_lists(client, world, who, url, blank):
    url = url.format(**world)
    headers = bearer(world[who].id)
    unfiltered = client.get(url, headers=headers)
    assert unfiltered.status_code == 200, unfiltered.json
    assert unfiltered.json["total"] >= 2

    searched = client.get(f"{url}?q={quote(blank)}", headers=headers)

    assert searched.status_code == 200, searched.json
    assert searched.json == unfiltered.json


def test_a_query_with_spaces_around_it_searches_for_its_words(client, world):
    url = f"/api/communities/{world['c']}/products?q={quote('  苹果 ')}"
    found = client.get(url, headers=bearer(world["resident"].id))
    assert found.status_code == 200 and [p["name"] for p in found.json["items"]] == ["红富士苹果"]
