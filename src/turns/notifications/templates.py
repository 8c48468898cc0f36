"""E-mail templates: a subject, a plain-text part and an HTML part for each kind of event."""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from string import Template
from typing import Any

MONEY = frozenset({"amount"})
"""Context values shown as money: the outbox context is JSON, where 12500.00 reads back as 12500.0."""


def money(value: object) -> str:
    """``$12,500.00`` for an amount; anything that is not a number is shown as it is."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not amount.is_finite():
        return str(value)
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def _shown(key: str, value: object) -> str:
    if value is None:
        return ""
    return money(value) if key in MONEY else str(value)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class EmailTemplate:
    subject: str
    body: str  # paragraphs separated by blank lines; $names from the outbox row's context

    def render(self, context: dict[str, Any], link: str) -> Rendered:
        values = {k: _shown(k, v) for k, v in context.items()} | {"link": link}
        subject = Template(self.subject).safe_substitute(values)
        text = Template(self.body).safe_substitute(values) + f"\n\nOpen the turn: {link}\n"
        escaped = {k: html.escape(v) for k, v in values.items()}
        paragraphs = "".join(f"<p>{p}</p>" for p in Template(self.body).safe_substitute(escaped).split("\n\n"))
        body_html = (
            f"<!doctype html><html><body>{paragraphs}"
            f'<p><a href="{html.escape(link)}">Open the turn</a></p></body></html>'
        )
        return Rendered(subject, text, body_html)


TEMPLATES: dict[str, EmailTemplate] = {
    "stage_entered": EmailTemplate(
        "[Turns] $turn_id moved to $stage",
        "$turn_id at $property_name ($address) is now in $stage.\n\n$note",
    ),
    "vendor_stage_entered": EmailTemplate(
        "[Turns] $turn_id: $stage",
        "Hello $vendor,\n\nturn $turn_id at $address is now in $stage.\n\n$note",
    ),
    "approval_requested": EmailTemplate(
        "[Turns] Approval needed: $turn_id ($amount)",
        "The scope of $turn_id at $property_name ($address) waits for your decision.\n\nAmount: $amount.",
    ),
    "approval_decided": EmailTemplate(
        "[Turns] $turn_id scope: $approval_status",
        "The scope of $turn_id at $property_name is now $approval_status.\n\n$reject_reason",
    ),
}
