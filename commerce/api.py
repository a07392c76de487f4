"""HTTP endpoints of commerce: one blueprint, whose views live in each sub-package's api module."""
from core.web import Blueprint

blp = Blueprint(
    "commerce", __name__, url_prefix="/api",
    description=(
        "Community commerce. Merchants open stores and apply to serve communities; managers approve, "
        "reject or suspend them. Residents browse and search the catalog of the stores serving their "
        "community, fill a cart per store, and check out: prices, discounts, delivery fee and totals are "
        "computed by the server, stock (or a service's slot place) is reserved for 15 minutes while the "
        "resident pays the returned Stripe PaymentIntent (`client_secret`), and an unpaid order then "
        "expires and returns its stock. Send an `Idempotency-Key` with checkout so a retry never creates "
        "a second order. Orders move awaiting_payment → paid → accepted → ready → (out_for_delivery →) "
        "delivered → completed (by the resident, or automatically 3 days after delivery); residents may "
        "cancel until the merchant accepts, merchants cancel with a reason, and refunds go by amount or "
        "by line. Group deals hold each join's payment until the cut-off, then capture every hold (and "
        "create the orders) if enough joined, or release every hold if not. Amounts are minor units (fen)."
    ),
)

# The views register themselves on `blp` when their modules are imported.
from commerce.catalog import api as _catalog_api  # noqa: E402, F401
from commerce.groupbuy import api as _groupbuy_api  # noqa: E402, F401
from commerce.orders import api as _orders_api  # noqa: E402, F401
from commerce.stores import api as _stores_api  # noqa: E402, F401
