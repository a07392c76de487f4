"""Parcels (快递代收): logged by staff, picked up by code, reminders, uncollected reports."""
