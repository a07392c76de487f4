"""Local promotions that merchants buy and residents see (floor 6): campaigns and their review so far."""
