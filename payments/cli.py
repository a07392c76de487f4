"""`flask --app app ledger ...` commands, and the `serve` hook that stands localstripe in for Stripe."""
from __future__ import annotations

import json
import logging
import secrets

import click
from flask import Flask
from flask.cli import AppGroup

from core.db import db
from payments import refunds
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


@ledger_cli.command("reconcile")
@click.option("--days", type=click.IntRange(1, 180), default=refunds.RECONCILE_DAYS, show_default=True,
              help="How far back to list Stripe's refunds.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def reconcile_command(days: int, as_json: bool) -> None:
    """Book every refund Stripe made that the books miss, and send refunds that never reached Stripe."""
    done = refunds.reconcile_refunds(db.session, days=days)
    click.echo(json.dumps(done) if as_json else
               f"listed {done['listed']} Stripe refunds, applied {done['applied']}, sent {done['sent']}, "
               f"errors {done['errors']}")
    if done["errors"]:
        raise SystemExit(1)


@ledger_cli.command("settle")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def settle_command(as_json: bool) -> None:
    """Pay every payee what it is owed now (the daily job's work), less what financing withholds."""
    from flask import current_app

    from payments.jobs import settle_payouts

    embedded_stripe(current_app._get_current_object())  # the demo's localstripe when no key is set
    done = settle_payouts()
    click.echo(json.dumps(done) if as_json else
               f"{done['payouts']} payouts, {done['amount']} in minor units, errors {done['errors']}")
    if done["errors"]:
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
