"""Merchants' stores: applications to serve communities, hours, fulfilment, staff, suspension."""
