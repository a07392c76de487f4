"""`flask --app app commerce seed-catalog` fills a community's catalog for benchmarks, searchable at once."""
from commerce.cli import commerce_cli
from tests.commerce.factories import CategoryFactory
from tests.conftest import bearer
from tests.factories import CommunityFactory, resident_of


def test_a_generated_catalog_is_listed_and_searchable(app, client, connection):
    community = CommunityFactory(slug="bench-target")
    parent = CategoryFactory()
    CategoryFactory(parent_id=parent.id, name="水果", name_en="Fruit")
    result = app.test_cli_runner().invoke(
        commerce_cli, ["seed-catalog", "--products", "300", "--stores", "3", "--community", "bench-target"])
    assert result.exit_code == 0, result.output
    headers = bearer(resident_of(community).id)
    listed = client.get(f"/api/communities/{community.id}/products", headers=headers).json
    assert listed["total"] == 300
    found = client.get(f"/api/communities/{community.id}/products?q=fruit", headers=headers).json
    assert found["total"] == 300
