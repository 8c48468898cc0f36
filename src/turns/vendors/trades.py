"""The trades a vendor company does: a fixed list of codes (the ``vendors_trades_known`` check
of migration 0017 holds the same list) and the words people read for each."""

from __future__ import annotations

from typing import Literal, get_args

Trade = Literal[
    "PAINT", "FLOORING", "APPLIANCES", "PLUMBING", "ELECTRICAL", "HVAC", "CLEANING", "LANDSCAPING", "ROOFING", "GENERAL"
]
TRADES: tuple[str, ...] = get_args(Trade)
TRADE_LABELS = {code: "HVAC" if code == "HVAC" else code.capitalize() for code in TRADES}


def trade_code(text: str) -> str:
    """The code of a trade written as its code or its label, in any letter case ("paint", "Paint")."""
    code = text.strip().upper()
    if code not in TRADE_LABELS:
        raise ValueError(f"\u201c{text.strip()}\u201d is not a trade (one of {', '.join(TRADE_LABELS.values())})")
    return code
