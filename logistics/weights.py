"""What goods weigh, read from their variants' `weight` attribute ("1.5kg", "700g", "5斤"); goods that
do not say weigh nothing here (capacity in orders still holds)."""
from __future__ import annotations

import re

_WEIGHT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(kg|g|公斤|千克|克|斤)\s*$", re.IGNORECASE)
_GRAMS = {"kg": 1000, "公斤": 1000, "千克": 1000, "g": 1, "克": 1, "斤": 500}


def grams(text: object) -> int:
    match = _WEIGHT.match(text) if isinstance(text, str) else None
    if match is None:
        return 0
    return round(float(match.group(1)) * _GRAMS[match.group(2).lower()])
