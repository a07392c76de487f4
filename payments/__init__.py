"""Floor 3: the Stripe gateway, webhook intake, double-entry ledger, settlement and payouts."""
