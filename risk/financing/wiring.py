"""What financing adds to the floors below when the app is created: its kinds of ledger account, its
withholding at settlement and the names of its entries on statements."""
from __future__ import annotations

from payments import ledger, settlement, statements
from risk.financing import service


def register() -> None:
    ledger.open_account_kind(service.RECEIVABLE, ledger.AccountType.ASSET)
    ledger.open_account_kind(service.UNEARNED, ledger.AccountType.LIABILITY)
    settlement.register_withholder(_WITHHOLDING)
    statements.register_entry_kind("advance:disburse:", "financing_disbursement")
    statements.register_entry_kind("advance:remit:", "financing_remittance")
    statements.register_entry_kind("advance:early:", "financing_repayment")


_WITHHOLDING = service.Withholding()
