"""Floor 2: communities (the tenant), buildings, units, residency and staff roles."""
