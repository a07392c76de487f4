"""Demo data of commerce: categories, two stores of merchant@demo.local serving `demo` with products,
a service with slots, coupons, a pickup point with a group deal, orders in several states paid
through Stripe (localstripe when no STRIPE_API_KEY is set), a return request to decide, and half a
year of past trade for risk to score."""
from __future__ import annotations

import logging
import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce.catalog import service as catalog
from commerce.catalog.models import Category
from commerce.groupbuy import service as groupbuy
from commerce.orders import carts, checkout, coupons, refunds, returns, reviews
from commerce.orders import service as orders
from commerce.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from commerce.stores import service as stores
from commerce.stores.models import Store
from community import queries as community_queries
from community.models import Community
from core.models import utcnow
from identity.service import find_user_by_login
from payments import webhooks
from payments.localstripe import embedded_stripe
from payments.models import Payment

log = logging.getLogger(__name__)

CATEGORIES = [
    # slug, name, English name, parent slug
    ("fresh", "生鲜", "Fresh food", None),
    ("fruit", "水果", "Fruit", "fresh"),
    ("vegetables", "蔬菜", "Vegetables", "fresh"),
    ("grocery", "粮油副食", "Grocery", None),
    ("snacks", "零食饮料", "Snacks and drinks", None),
    ("household", "日用百货", "Household", None),
    ("services", "家政服务", "Home services", None),
    ("housekeeping", "保洁", "Housekeeping", "services"),
    ("repair", "家电维修", "Appliance repair", "services"),
]
FRUIT_STORE = "邻里鲜果铺 (Linli Fresh Fruit)"
SERVICE_STORE = "邻里到家服务 (Linli Home Services)"
PRODUCTS = [
    # category, name, description, variants (sku, name, attributes, price, stock)
    ("fruit", "红富士苹果", "烟台红富士 脆甜多汁 Fuji apples from Yantai", [
        ("APL-3", "3斤装", {"weight": "1.5kg"}, 2990, 50), ("APL-5", "5斤装", {"weight": "2.5kg"}, 4590, 30)]),
    ("fruit", "赣南脐橙", "果肉细嫩 Navel oranges", [("ORG-5", "5斤装", {"weight": "2.5kg"}, 3990, 40)]),
    ("fruit", "阳光玫瑰葡萄", "Shine Muscat grapes", [("GRP-1", "1串", {"weight": "700g"}, 5990, 20)]),
    ("vegetables", "有机菠菜", "当天采摘 Organic spinach", [("SPN-1", "500g", {"weight": "500g"}, 890, 60)]),
    ("vegetables", "西红柿", "Tomatoes", [("TMT-1", "1斤", {"weight": "500g"}, 650, 80)]),
    ("grocery", "东北大米", "五常稻花香 Northeast rice", [("RCE-5", "5kg", {"weight": "5kg"}, 6900, 25)]),
    ("snacks", "坚果礼盒", "Mixed nuts gift box", [("NUT-1", "750g", {"weight": "750g"}, 12800, 15)]),
    ("household", "洗衣液", "Laundry detergent", [("LDY-2", "2kg", {"size": "2kg"}, 3590, 40)]),
]


def _pay(session: Session, payment_id: int) -> None:
    """What the resident's app and Stripe's webhook would do: confirm with a test card, then apply."""
    import stripe  # only seeding pays: not on every command's start-up

    config = current_app.config
    base = {"api": config["STRIPE_API_BASE"]} if config.get("STRIPE_API_BASE") else None
    client = stripe.StripeClient(config["STRIPE_API_KEY"], base_addresses=base)
    intent_id = session.get(Payment, payment_id).stripe_payment_intent_id
    client.v1.payment_intents.update(intent_id, params={"payment_method": "pm_card_visa"})
    client.v1.payment_intents.confirm(intent_id)
    webhooks.reconcile_payment(session, payment_id)


def _categories(session: Session) -> dict[str, Category]:
    found = {c.slug: c for c in session.scalars(select(Category))}
    for slug, name, name_en, parent in CATEGORIES:
        if slug not in found:
            category = Category(slug=slug, name=name, name_en=name_en,
                                parent_id=found[parent].id if parent else None, position=len(found))
            session.add(category)
            # flush: subcategories name their parent's id
            session.flush()
            found[slug] = category
    return found


def _store(session, actor, community, manager, name, **fields) -> Store:
    store = stores.create_store(session, actor, name=name, licence_number="91310115MA1DEMO001",
                                contact_name="陈老板", contact_phone="+8613800000004", timezone="Asia/Shanghai",
                                opening_hours=[{"weekday": d, "opens_minute": 0, "closes_minute": 24 * 60}
                                               for d in range(1, 8)], **fields)
    application = stores.apply_to_community(session, actor, store.id, community_id=community.id,
                                            message="社区老店, 支持送货上门")
    stores.approve_application(session, manager, community.id, application.id)
    return store


def seed_demo(session: Session) -> None:
    community = session.scalar(select(Community).where(Community.slug == "demo"))
    merchant_user = find_user_by_login(session, "merchant@demo.local")
    if community is None or merchant_user is None:
        return
    categories = _categories(session)
    session.commit()
    if session.scalar(select(Store.id).where(Store.name == FRUIT_STORE)) is not None:
        return
    embedded_stripe(current_app._get_current_object())  # pays the demo orders when no key is set

    def actor(login: str):
        return community_queries.load_actor(session, find_user_by_login(session, login).id)

    merchant, manager = actor("merchant@demo.local"), actor("manager@demo.local")
    resident, resident2 = actor("resident@demo.local"), actor("resident2@demo.local")

    fruit = _store(session, merchant, community, manager, FRUIT_STORE, categories=["fresh", "grocery"],
                   fulfilment="both", delivery_fee=500, min_order=1500,
                   description="新鲜水果蔬菜, 小区内 30 分钟送达 Fresh fruit, delivered within 30 minutes")
    home = _store(session, merchant, community, manager, SERVICE_STORE, categories=["services"],
                  fulfilment="delivery", delivery_fee=0, min_order=0, description="上门保洁与家电维修")
    products = {}
    for slug, name, description, variants in PRODUCTS:
        products[name] = catalog.create_product(
            session, merchant, fruit.id, category_id=categories[slug].id, name=name, description=description,
            images=[f"https://img.linli.example/{variants[0][0].lower()}.jpg"], published=True, kind="goods",
            variants=[{"sku": sku, "name": v, "attributes": attrs, "price": price, "stock": stock, "active": True}
                      for sku, v, attrs, price, stock in variants],
        )
    cleaning = catalog.create_product(
        session, merchant, home.id, category_id=categories["housekeeping"].id, name="日常保洁 上门服务",
        description="2小时日常保洁 Home cleaning, 2 hours", images=[], published=True, kind="service",
        variants=[{"sku": "CLN-2H", "name": "2小时", "attributes": {"hours": "2"}, "price": 9900, "stock": 0,
                   "active": True}],
    )
    catalog.create_product(
        session, merchant, home.id, category_id=categories["repair"].id, name="空调清洗维修",
        description="Air conditioner cleaning and repair", images=[], published=True, kind="service",
        variants=[{"sku": "AC-1", "name": "挂机", "attributes": {"type": "wall"}, "price": 12000, "stock": 0,
                   "active": True}],
    )
    tomorrow = (utcnow() + timedelta(days=1)).replace(hour=1, minute=0, second=0, microsecond=0)
    catalog.add_slots(session, merchant, home.id, cleaning.id, slots=[
        {"starts_at": tomorrow + timedelta(days=d, hours=h), "ends_at": tomorrow + timedelta(days=d, hours=h + 2),
         "capacity": 2} for d in range(3) for h in (0, 3, 6)])
    coupons.create_coupon(session, merchant, fruit.id, code="WELCOME10", description="新客九折 10% off from ¥30",
                          kind="percent", value=10, min_spend=3000, per_resident_limit=1, total_limit=500,
                          starts_at=None, ends_at=None, product_ids=[], category_ids=[], active=True)
    coupons.create_coupon(session, merchant, fruit.id, code="FRUIT5", description="水果立减5元 ¥5 off fruit",
                          kind="fixed", value=500, min_spend=2000, per_resident_limit=3, total_limit=None,
                          starts_at=None, ends_at=None, product_ids=[],
                          category_ids=[categories["fruit"].id], active=True)
    # Listed for the demo's residents, who claim it into their wallet; checkout then applies it by itself.
    coupons.create_coupon(session, merchant, fruit.id, code="LINLI8", description="邻里券 满40减8 ¥8 off from ¥40",
                          kind="fixed", value=800, min_spend=4000, per_resident_limit=None, total_limit=200,
                          starts_at=None, ends_at=None, product_ids=[], category_ids=[], active=True,
                          claimable=True)

    point = groupbuy.create_pickup_point(session, manager, community.id, host_login="resident2@demo.local",
                                         name="2号楼团购点", location="2号楼一楼大堂", commission_bps=500)
    grapes = products["阳光玫瑰葡萄"]
    groupbuy.create_deal(session, merchant, fruit.id, community_id=community.id, variant_id=grapes.variants[0].id,
                         pickup_point_id=point.id, title="阳光玫瑰葡萄 团购 (group deal)", price=4590,
                         min_participants=3, max_quantity_per_resident=5,
                         cut_off_at=utcnow() + timedelta(days=2))

    def buy(who, store, items, **terms):
        for product, quantity in items:
            carts.set_cart_line(session, who, community.id, store.id, variant_id=product.variants[0].id,
                                quantity=quantity)
        return checkout.checkout(session, who, community.id, store.id, **terms)

    apples, oranges, rice = products["红富士苹果"], products["赣南脐橙"], products["东北大米"]
    completed = buy(resident, fruit, [(apples, 2), (oranges, 1)], fulfilment="delivery", coupon_code="WELCOME10")
    _pay(session, completed.payment_id)
    for step in ("accepted", "ready", "out_for_delivery", "delivered"):
        orders.advance_order(session, merchant, fruit.id, completed.id, to_status=step)
    orders.confirm_receipt(session, resident, community.id, completed.id)
    refunds.refund_order(session, merchant, fruit.id, completed.id, reason="一个橙子坏了 one orange was bad",
                         amount=500)
    reviews.review_order(session, resident, community.id, completed.id, rating=5, text="苹果很甜, 送货很快",
                         products=[{"product_id": apples.id, "rating": 5, "text": "脆甜"}])
    apple_line = next(line for line in completed.lines if line.product_id == apples.id)
    returns.request_return(session, resident, community.id, completed.id, kind="refund_only", reason="damaged",
                           description="有一个苹果磕坏了 one apple was bruised",
                           lines=[{"line_id": apple_line.id, "quantity": 1}])  # for the merchant to decide

    accepted = buy(resident2, fruit, [(rice, 1)], fulfilment="pickup")
    _pay(session, accepted.payment_id)
    orders.advance_order(session, merchant, fruit.id, accepted.id, to_status="accepted")

    paid = buy(resident, fruit, [(products["有机菠菜"], 2), (products["西红柿"], 3)], fulfilment="delivery")
    _pay(session, paid.payment_id)

    cancelled = buy(resident2, fruit, [(oranges, 2)], fulfilment="pickup")
    orders.cancel_my_order(session, resident2, community.id, cancelled.id, reason="买错了 wrong item")

    buy(resident2, fruit, [(apples, 1), (products["坚果礼盒"], 1)], fulfilment="delivery")  # awaiting payment
    past = _past_trade(session, fruit, community, [resident.user_id, resident2.user_id], list(products.values()))
    log.info("commerce demo: stores %s and %s, orders in five states, %s past orders", fruit.id, home.id, past)


HISTORY_DAYS = 200


def _past_trade(session: Session, store: Store, community: Community, buyers: list[int], products) -> int:
    """Half a year of the fruit store's trade before the demo (completed orders, delivered within
    hours, from the demo's residents), so that risk has a history to score and the demo merchant gets a
    financing offer. Seeded, so every `make seed` makes the same history; these orders predate the
    demo's Stripe and have no payment (their money is not on the ledger)."""
    rng = random.Random(20261202)
    now = utcnow()
    store.created_at = now - timedelta(days=HISTORY_DAYS + 165)
    count = 0
    for days_ago in range(HISTORY_DAYS, 0, -1):
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            product = rng.choice(products)
            variant = product.variants[0]
            quantity = rng.choice((1, 1, 2, 3))
            paid_at = now - timedelta(days=days_ago, hours=rng.randint(0, 10))
            delivered_at = paid_at + timedelta(hours=rng.choice((1, 2, 3, 5)))
            buyer = rng.choice(buyers)
            order = Order(community_id=community.id, store_id=store.id, user_id=buyer, status=OrderStatus.COMPLETED,
                          fulfilment="pickup", recipient_name="邻里居民", subtotal=variant.price * quantity,
                          discount=0, delivery_fee=0, total=variant.price * quantity, refunded=0,
                          currency=store.currency, paid_at=paid_at, delivered_at=delivered_at,
                          completed_at=delivered_at + timedelta(days=1), created_at=paid_at)
            order.lines = [OrderLine(product_id=product.id, variant_id=variant.id, product_name=product.name,
                                     variant_name=variant.name, sku=variant.sku, unit_price=variant.price,
                                     quantity=quantity, discount=0, refunded_quantity=0, refunded=0)]
            order.history = [
                OrderEvent(from_status=None, to_status=OrderStatus.PAID, created_at=paid_at),
                OrderEvent(from_status=OrderStatus.PAID, to_status=OrderStatus.DELIVERED, created_at=delivered_at),
                OrderEvent(from_status=OrderStatus.DELIVERED, to_status=OrderStatus.COMPLETED,
                           created_at=delivered_at + timedelta(days=1)),
            ]
            session.add(order)
            count += 1
    session.commit()
    return count

