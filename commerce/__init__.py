"""Floor 4: stores, catalog, search, carts, checkout, coupons, group buying, orders, reviews."""
