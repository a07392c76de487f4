"""Carts, checkout with stock reservation, coupons, orders and their history, refunds, reviews."""
