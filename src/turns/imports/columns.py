"""What each kind of import reads from a CSV file: its columns, the header spellings a
property-management system or a spreadsheet uses for them, and how a cell becomes a value.

A header matches a column when, in lower case with everything but letters and digits taken
as a space, it equals one of the column's spellings ("Move-Out Date", "move_out_date" and
"MOVE OUT DATE" are one spelling). A cell that cannot become a value is a problem of its row,
in words that name the column and what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from turns.vendors.trades import trade_code

DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d", "%m-%d-%Y", "%d-%b-%Y", "%b %d, %Y", "%B %d, %Y")
_TIME = re.compile(r"[ T]\d{1,2}:\d{2}.*$")
_TRUE = frozenset({"yes", "y", "true", "t", "1", "x"})
_FALSE = frozenset({"no", "n", "false", "f", "0"})


def spelling(header: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", header.lower()).split())


def as_date(text: str) -> date:
    """A date as PMS exports and spreadsheets write them; a time after it is ignored."""
    value = _TIME.sub("", text.strip())
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"\u201c{text}\u201d is not a date (write it as 2025-03-14 or 03/14/2025)")


def as_whole(text: str) -> int:
    try:
        return int(text.replace(",", ""))
    except ValueError:
        raise ValueError(f"\u201c{text}\u201d is not a whole number") from None


def as_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"\u201c{text}\u201d is not a number") from None
    if not value.is_finite():
        raise ValueError(f"\u201c{text}\u201d is not a number")
    return value


def as_yes_no(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ValueError(f"\u201c{text}\u201d is neither yes nor no")


def as_list(text: str) -> list[str]:
    """A cell holding several values, separated by semicolons ("Dallas; Fort Worth")."""
    return [item.strip() for item in text.split(";") if item.strip()]


def as_trades(text: str) -> list[str]:
    """Trades by code or label, separated by semicolons ("Paint; Flooring"); an unknown one is named."""
    return [trade_code(item) for item in as_list(text)]


@dataclass(frozen=True)
class Column:
    """One column of a kind: the field it fills, its name in plain words, its spellings."""

    field: str
    label: str
    spellings: tuple[str, ...]
    convert: Callable[[str], Any] = str.strip


@dataclass(frozen=True)
class Kind:
    """A kind of import: the table it writes and the columns it reads. ``required`` lists
    groups of fields: the file must have a column for at least one field of each group."""

    name: str
    table: str
    columns: tuple[Column, ...]
    required: tuple[tuple[str, ...], ...]

    def by_spelling(self) -> dict[str, Column]:
        return {spelling(s): c for c in self.columns for s in (c.label, c.field, *c.spellings)}

    def label(self, field: str) -> str:
        return next(c.label for c in self.columns if c.field == field)


_STREET = ("address", "street", "street address", "property address", "unit address", "address 1", "address line 1")
_CITY = Column("city", "City", ("town",))
_STATE = Column("state", "State", ("st", "province"))
_ZIP = Column("zip_code", "ZIP code", ("zip", "zipcode", "postal code", "post code"))

MOVE_OUTS = Kind(
    "move-outs",
    "turns",
    (
        Column(
            "property_code",
            "Property code",
            ("property", "property id", "property number", "property no", "unit", "unit id", "unit code", "code"),
        ),
        Column("address", "Address", _STREET),
        Column(
            "move_out_date",
            "Move-out date",
            (
                "move out",
                "moveout",
                "moveout date",
                "vacate date",
                "vacated",
                "vacate",
                "move out dt",
                "notice move out date",
            ),
            as_date,
        ),
        Column(
            "ready_by_date",
            "Ready-by date",
            (
                "ready by",
                "ready date",
                "make ready date",
                "make ready by",
                "target date",
                "target ready date",
                "due date",
                "expected ready date",
                "expected completion date",
            ),
            as_date,
        ),
        Column("turn_number", "Turn number", ("turn", "turn id", "turn no")),
        Column("wo_number", "Work order", ("wo", "wo number", "wo no", "work order number", "work order no")),
    ),
    (("property_code", "address"), ("move_out_date",)),
)

PROPERTIES = Kind(
    "properties",
    "properties",
    (
        Column(
            "property_id",
            "Property code",
            ("property", "property id", "property number", "property no", "unit id", "unit code", "code"),
        ),
        Column("name", "Name", ("property name",)),
        Column("street_address", "Street address", _STREET),
        _CITY,
        _STATE,
        _ZIP,
        Column("county", "County", ()),
        Column("country", "Country", ()),
        Column("market", "Market", ("region", "submarket")),
        Column("year_built", "Year built", ("built",), as_whole),
        Column("bedrooms", "Bedrooms", ("beds", "bed", "br", "bd"), as_decimal),
        Column("bathrooms", "Bathrooms", ("baths", "bath", "ba"), as_decimal),
        Column("area_sqft", "Square feet", ("sqft", "sq ft", "square footage", "area", "area sqft", "size"), as_whole),
    ),
    (("property_id",), ("street_address",)),
)

VENDORS = Kind(
    "vendors",
    "vendors",
    (
        Column("company_name", "Company", ("company name", "vendor", "vendor name", "name", "business name")),
        Column("contact_name", "Contact", ("contact name", "contact person")),
        Column("email", "E-mail", ("email", "email address", "e mail address")),
        Column("phone", "Phone", ("phone number", "telephone", "mobile", "cell")),
        Column("street_address", "Street address", _STREET),
        _CITY,
        _STATE,
        _ZIP,
        Column("tax_id", "Tax ID", ("ein", "tin", "tax number")),
        Column("license_number", "License number", ("license", "license no", "licence", "licence number")),
        Column(
            "insurance_expiry",
            "Insurance expiry",
            ("insurance expiration", "insurance expires", "insurance expiration date", "coi expiration"),
            as_date,
        ),
        Column("is_approved", "Approved", ("is approved",), as_yes_no),
        Column("trades", "Trades", ("trade", "services", "service types", "categories"), as_trades),
        Column("markets", "Markets", ("market", "regions", "service areas"), as_list),
    ),
    (("company_name",),),
)

KINDS = {kind.name: kind for kind in (MOVE_OUTS, PROPERTIES, VENDORS)}
