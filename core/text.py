"""Which characters text may hold: what the edge refuses, and what XML and CSV writers must not emit.

Text fields take tab, line feed and carriage return, and no other C0 or C1 control character (nor
DEL): PostgreSQL cannot store NUL, and XML 1.0 cannot carry the rest of C0. Lone surrogates are
not Unicode at all (they cannot be encoded as UTF-8). Pure functions, no Flask.
"""
from __future__ import annotations

import re
from typing import Any

# Refused in text at the edge (tab, LF and CR are text).
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Refused anywhere: a UTF-16 half that json.loads lets through from an escape like "\ud800".
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Either of the above, to test a string once on the common path.
SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# What XML 1.0 forbids (its Char production), so text stored before the edge refused it, or
# written by a job, still makes a well-formed document.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV Injection");
# tab and carriage return also start one in some of them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 cannot carry (NUL, other C0 controls, lone
    surrogates, U+FFFE and U+FFFF); ElementTree escapes the rest."""
    return _NOT_XML.sub("", value)


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell that a spreadsheet shows as text: controls dropped as for XML, and a
    leading = + - @ (or tab, CR) quoted with an apostrophe so it is never run as a formula.

    Numbers pass through unchanged, so a negative amount stays a number.
    """
    if not isinstance(value, str):
        return value
    value = _NOT_XML.sub("", value)
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value
