"""`flask --app app ledger ...` commands."""
from flask.cli import AppGroup

ledger_cli = AppGroup("ledger", help="The double-entry ledger.")
