"""E-mail templates: a subject, a plain-text part and an HTML part for each kind of event."""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal
from string import Template
from typing import Any

# Context values that are amounts: the outbox row holds them as JSON numbers (12500.0).
MONEY = frozenset({"amount"})


def money(value: Any) -> str:
    """An amount as people read it: ``$12,500.00`` (a JSON number would print as ``12500.0``)."""
    amount = Decimal(str(value))
    return f"{'-' if amount < 0 else ''}${abs(amount):,.2f}"


def _text(name: str, value: Any) -> str:
    if value is None:
        return ""
    return money(value) if name in MONEY else str(value)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class EmailTemplate:
    subject: str
    body: str  # paragraphs separated by blank lines; $names from the outbox row's context
    action: str = "Open the turn"  # the words of the link

    def render(self, context: dict[str, Any], link: str) -> Rendered:
        values = {k: _text(k, v) for k, v in context.items()} | {"link": link}
        subject = Template(self.subject).safe_substitute(values)
        text = Template(self.body).safe_substitute(values) + f"\n\n{self.action}: {link}\n"
        escaped = {k: html.escape(v) for k, v in values.items()}
        paragraphs = "".join(f"<p>{p}</p>" for p in Template(self.body).safe_substitute(escaped).split("\n\n"))
        body_html = (
            f"<!doctype html><html><body>{paragraphs}"
            f'<p><a href="{html.escape(link)}">{html.escape(self.action)}</a></p></body></html>'
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
    "sent_to_leasing": EmailTemplate(
        "[Turns] $turn_id sent to leasing",
        "$turn_id at $property_name ($address) is ready and was handed to leasing.\n\nMove-in: $move_in_date",
    ),
    "bid_invited": EmailTemplate(
        "[Turns] Bid request: $address, due $due_date",
        "Hello $vendor,\n\nyou are asked to quote $lines line(s) of turn $turn_id at $address by $due_date.\n\n$note",
        "Price the lines",
    ),
    "bid_submitted": EmailTemplate(
        "[Turns] $vendor bid $amount on $turn_id",
        "$vendor quoted $amount for $lines line(s) of $turn_id at $property_name ($address).\n\n$note",
        "Compare the bids",
    ),
    "bid_declined": EmailTemplate(
        "[Turns] $vendor declined to bid on $turn_id",
        "$vendor will not quote the $lines line(s) of $turn_id at $property_name ($address).\n\n$note",
        "Compare the bids",
    ),
    "bid_awarded": EmailTemplate(
        "[Turns] Bid won: $address",
        "Hello $vendor,\n\nyour bid of $amount for $lines line(s) of turn $turn_id at $address was chosen:"
        " the lines are yours to do.",
        "See your bid requests",
    ),
    "bid_lost": EmailTemplate(
        "[Turns] Another bid was chosen: $address",
        "Hello $vendor,\n\nanother vendor's bid was chosen for the $lines line(s) of turn $turn_id at $address."
        " Thank you for your time.",
        "See your bid requests",
    ),
    "bid_cancelled": EmailTemplate(
        "[Turns] Bid request withdrawn: $address",
        "Hello $vendor,\n\nthe request to quote $lines line(s) of turn $turn_id at $address was withdrawn:"
        " no quote is needed.",
        "See your bid requests",
    ),
    "vendor_visit": EmailTemplate(
        "[Turns] $turn_id: $headline",
        "$headline.\n\n$turn_id at $property_name ($address).\n\n$note",
    ),
    "user_invited": EmailTemplate(
        "[Turns] $inviter invited you to Turns",
        "Hello $name,\n\n$inviter invited you to Turns, where your team runs its make-ready turns."
        " Choose a password to sign in as $email.\n\nThe link works once, until $expires.",
        "Choose your password",
    ),
    "password_reset": EmailTemplate(
        "[Turns] Choose a new password",
        "Hello $name,\n\n$inviter asked Turns to let you choose a new password for $email."
        "\n\nThe link works once, until $expires. If you did not expect it, tell your admin.",
        "Choose a new password",
    ),
}
