"""Notifications: one in-app inbox per user, preferences per kind, channels for push providers."""
