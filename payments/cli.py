"""`flask --app app ledger ...` commands, and the `serve` hook that stands localstripe in for Stripe."""
from __future__ import annotations

import logging
import secrets

import click
from flask import Flask
from flask.cli import AppGroup

from core.db import db
from payments.ledger import check_books
from payments.localstripe import embedded_stripe

log = logging.getLogger(__name__)
ledger_cli = AppGroup("ledger", help="The double-entry ledger.")


@ledger_cli.command("check")
def check_command() -> None:
    """Prove every entry balances per currency and every account's balance equals its postings."""
    report = check_books(db.session)
    for problem in report.problems:
        click.echo(f"DIFFERENCE {problem}", err=True)
    click.echo(f"checked {report.entries} journal entries on {report.accounts} accounts: "
               + ("balanced" if not report.problems else f"{len(report.problems)} differences"))
    if report.problems:
        raise SystemExit(1)


def use_localstripe_unless_configured(app: Flask, host: str, port: int) -> None:
    """`make run` with no STRIPE_API_KEY: serve localstripe on loopback and send its webhooks to us."""
    local = embedded_stripe(app)
    if local is None:
        return
    secret = app.config.get("STRIPE_WEBHOOK_SECRET") or f"whsec_{secrets.token_hex(16)}"
    app.config.update(STRIPE_WEBHOOK_SECRET=secret)
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - comparing, not binding
    local.send_webhooks_to(f"http://{reachable}:{port}/api/payments/stripe/webhook", secret)
    log.warning("payments in TEST MODE: no STRIPE_API_KEY, using localstripe at %s (fake Connect payouts)", local.url)
