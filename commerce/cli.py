"""`flask --app app commerce ...`: a large generated catalog, for `make bench` and trying search at scale."""
from __future__ import annotations

import random

import click
from flask.cli import AppGroup
from sqlalchemy import insert, select

from commerce.catalog.models import Category, Product, Variant
from commerce.catalog.search import document
from commerce.stores.models import ServiceStatus, Store, StoreCommunity
from community.models import Community
from core.db import db
from core.models import utcnow

commerce_cli = AppGroup("commerce", help="Community commerce.")

# Words a neighbourhood catalog is made of: (Chinese, English).
_GOODS = [("苹果", "apple"), ("香蕉", "banana"), ("橙子", "orange"), ("葡萄", "grape"), ("草莓", "strawberry"),
          ("西瓜", "watermelon"), ("大米", "rice"), ("面条", "noodles"), ("鸡蛋", "eggs"), ("牛奶", "milk"),
          ("酸奶", "yogurt"), ("面包", "bread"), ("酱油", "soy sauce"), ("食用油", "cooking oil"), ("茶叶", "tea"),
          ("咖啡", "coffee"), ("饼干", "biscuits"), ("薯片", "crisps"), ("巧克力", "chocolate"), ("坚果", "nuts"),
          ("纸巾", "tissues"), ("洗衣液", "detergent"), ("牙膏", "toothpaste"), ("洗发水", "shampoo"),
          ("菠菜", "spinach"), ("西红柿", "tomato"), ("土豆", "potato"), ("猪肉", "pork"), ("牛肉", "beef"),
          ("鸡腿", "chicken legs")]
_KINDS = [("有机", "organic"), ("进口", "imported"), ("精选", "selected"), ("新鲜", "fresh"), ("家庭装", "family pack"),
          ("特价", "special"), ("礼盒", "gift box"), ("本地", "local")]
_SIZES = ["250g", "500g", "1kg", "2kg", "5kg", "6个", "12个", "1箱"]


@commerce_cli.command("seed-catalog")
@click.option("--products", default=100_000, show_default=True, help="How many products to generate.")
@click.option("--stores", default=20, show_default=True, help="Across how many stores.")
@click.option("--community", "slug", default="demo", show_default=True, help="The community they serve.")
@click.option("--seed", default=7, show_default=True, help="Random seed (the same catalog every time).")
def seed_catalog_command(products: int, stores: int, slug: str, seed: int) -> None:
    """Generate published products with variants in stores serving a community (for benchmarks)."""
    session = db.session
    community = session.scalar(select(Community).where(Community.slug == slug))
    categories = session.execute(
        select(Category.id, Category.name, Category.name_en).where(Category.parent_id.is_not(None))
    ).all()
    if community is None or not categories:
        raise click.ClickException(f"run seed-demo first: no community {slug!r} or no categories")
    rng = random.Random(seed)
    now = utcnow()
    store_ids = []
    for number in range(stores):
        store = Store(name=f"基准商店 {number} (bench store)", licence_number=f"BENCH{number:06d}",
                      contact_name="基准", contact_phone="+8613800009999", categories=["grocery"],
                      timezone="Asia/Shanghai", fulfilment="both", delivery_fee=500, min_order=0, currency="CNY",
                      status="active", rating_total=0, rating_count=0)
        session.add(store)
        # flush: the store's service and its products need its id
        session.flush()
        session.add(StoreCommunity(store_id=store.id, community_id=community.id, status=ServiceStatus.APPROVED))
        store_ids.append(store.id)
    batch = 5_000
    for start in range(0, products, batch):
        rows = []
        for index in range(start, min(start + batch, products)):
            (zh, en), (kind_zh, kind_en) = rng.choice(_GOODS), rng.choice(_KINDS)
            category_id, category_name, category_en = rng.choice(categories)
            name = f"{kind_zh}{zh} {rng.choice(_SIZES)}"
            description = f"{kind_en} {en}, item {index}"
            price = rng.randrange(100, 50_000)
            rows.append({"store_id": rng.choice(store_ids), "category_id": category_id, "kind": "goods",
                         "name": name, "description": description, "images": [], "published": True,
                         "price_from": price, "name_text": document(name),
                         "search_text": document(name, description, category_name, category_en),
                         "rating_total": 0, "rating_count": 0, "created_at": now, "updated_at": now})
        ids = session.scalars(insert(Product).returning(Product.id, sort_by_parameter_order=True), rows).all()
        session.execute(insert(Variant), [
            {"product_id": product_id, "store_id": row["store_id"], "sku": f"BENCH-{product_id}", "name": "标准",
             "attributes": {}, "price": row["price_from"], "stock": rng.randrange(0, 200), "active": True,
             "position": 0, "created_at": now}
            for product_id, row in zip(ids, rows, strict=True)
        ])
        session.commit()
        click.echo(f"{min(start + batch, products)} products")
