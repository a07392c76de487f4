"""Floor 1: users, credentials, access and refresh tokens."""
