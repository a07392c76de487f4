"""Delivery channels. The in-app inbox is the record; push providers plug in beside it."""
from __future__ import annotations

import logging
from typing import Protocol

from flask import Flask, current_app

from community.notifications.models import Notification

log = logging.getLogger(__name__)


class Channel(Protocol):
    """A way to reach a person beyond the inbox (APNs, FCM, WeChat subscription messages...)."""

    name: str

    def send(self, notification: Notification, title: str, body: str) -> None: ...


def init_app(app: Flask, channels: list[Channel]) -> None:
    app.extensions["linli.notification_channels"] = list(channels)


def push_channels() -> list[Channel]:
    return current_app.extensions.get("linli.notification_channels", [])
