"""Announcements (公告): targeted, scheduled, expiring, emergency-pinned; read receipts."""
