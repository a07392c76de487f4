"""Floor 7: the web console for community managers, merchants and platform admins (see web.py)."""
