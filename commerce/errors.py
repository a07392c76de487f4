"""Commerce's domain errors, each with a stable code."""
from core.errors import Conflict, DomainError
from core.i18n import lazy_gettext as _l


class Unprocessable(DomainError):
    status = 422


# Stores --------------------------------------------------------------------------------------

class AlreadyApplied(Conflict):
    code, title = "store_already_applied", _l("This store already applied to or serves this community")


class ApplicationNotPending(Conflict):
    code, title = "application_not_pending", _l("Only a pending application can be decided or withdrawn")


class NotServing(Conflict):
    code, title = "store_not_serving", _l("The store does not serve this community in that way now")


class AlreadyStoreStaff(Conflict):
    code, title = "already_store_staff", _l("This user already has an account at this store")


class LastOwner(Conflict):
    code, title = "last_owner", _l("A store keeps at least one owner")


class UnknownUser(Unprocessable):
    code, title = "unknown_user", _l("No account has this login")


class UnknownCategory(Unprocessable):
    code, title = "unknown_category", _l("No category has this slug or id")


class SlugTaken(Conflict):
    code, title = "category_slug_taken", _l("A category with this slug already exists")


class CategoryInUse(Conflict):
    code, title = "category_in_use", _l("The category still has subcategories or products; move them first")


class ProductArchived(Conflict):
    code, title = "product_archived", _l("The product was deleted; it can no longer be changed or sold")


class ProductInGroupDeal(Conflict):
    code, title = "product_in_group_deal", _l("An open group deal sells this product; end or cancel it first")


# Catalog -------------------------------------------------------------------------------------

class SkuTaken(Conflict):
    code, title = "sku_taken", _l("Another variant of this store has this SKU")


class NotAService(Conflict):
    code, title = "not_a_service", _l("Only service products have time slots")


class SlotTaken(Conflict):
    code, title = "slot_taken", _l("This product already has a slot starting then")


class SlotBooked(Conflict):
    code, title = "slot_booked", _l("This slot has bookings and cannot be removed or shrunk below them")


# Carts and checkout --------------------------------------------------------------------------

class NotPurchasable(Conflict):
    code, title = "not_purchasable", _l("This item cannot be bought now")


class SlotRequired(Unprocessable):
    code, title = "slot_required", _l("A service is booked into one of its time slots: give slot_id")


class CartEmpty(Conflict):
    code, title = "cart_empty", _l("The cart is empty")


class OutOfStock(Conflict):
    code, title = "out_of_stock", _l("Not enough of an item is in stock")


class SlotFull(Conflict):
    code, title = "slot_full", _l("This time slot has no places left")


class StoreClosed(Conflict):
    code, title = "store_closed", _l("The store is closed now")


class FulfilmentUnavailable(Conflict):
    code, title = "fulfilment_unavailable", _l("The store does not offer this kind of fulfilment")


class BelowMinimumOrder(Conflict):
    code, title = "below_minimum_order", _l("The order is below the store's minimum")


class AddressRequired(Unprocessable):
    code, title = "address_required", _l("Delivery needs an address")


# Coupons -------------------------------------------------------------------------------------

class CouponCodeTaken(Conflict):
    code, title = "coupon_code_taken", _l("This store already has a coupon with this code")


class CouponInvalid(Conflict):
    code, title = "coupon_invalid", _l("This coupon does not exist, is not valid now, or does not apply")


class CouponMinimumNotMet(Conflict):
    code, title = "coupon_minimum_not_met", _l("The order does not reach this coupon's minimum spend")


class CouponExhausted(Conflict):
    code, title = "coupon_exhausted", _l("This coupon has been used up")


class CouponLimitReached(Conflict):
    code, title = "coupon_limit_reached", _l("You have used this coupon as often as it allows")


# Orders --------------------------------------------------------------------------------------

class OrderStateConflict(Conflict):
    code, title = "order_state_conflict", _l("The order cannot take this step in its current status")


class WrongPickupCode(Unprocessable):
    code, title = "wrong_pickup_code", _l("This pickup code does not match the order")


class RefundTooLarge(Conflict):
    code, title = "refund_too_large", _l("The refund exceeds what is left to refund")


class ReturnNotAllowed(Conflict):
    code, title = "return_not_allowed", _l("Only a delivered order, within its return window, can be returned")


class ReturnAlreadyOpen(Conflict):
    code, title = "return_already_open", _l("This order already has an open return request")


class ReturnNotOpen(Conflict):
    code, title = "return_not_open", _l("The return request was already decided or withdrawn")


class AlreadyReviewed(Conflict):
    code, title = "already_reviewed", _l("This order was already reviewed")


# Group deals ---------------------------------------------------------------------------------

class DealClosed(Conflict):
    code, title = "deal_closed", _l("This group deal is no longer open")


class AlreadyJoined(Conflict):
    code, title = "already_joined", _l("You already joined this group deal")


class JoinNotCancellable(Conflict):
    code, title = "join_not_cancellable", _l("This join can no longer be left")
