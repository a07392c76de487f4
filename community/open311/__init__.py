"""Open311 GeoReport v2 over the community's service requests (jurisdiction_id = slug)."""
