"""The demo's scopes of work: line items that add up to each turn's amount, and a few photos.

A turn's lines are what a make-ready of that size is made of (paint, flooring, a cleaning,
an appliance or a fixture), priced by quantity and unit cost; the last line, the whole-home
clean-and-punch, takes what is left, so the lines add up to the turn amount to the cent.
Each line goes to the turn's vendor when it does that trade, else to a vendor of the market
that does. Approved scopes keep each line's amount as approved; a few lines are charged back
to the resident. Some turns carry before and after photos, drawn at load time (small JPEGs)
and put in the photo store with their smaller sizes, so the photo screens look used.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any
from uuid import UUID, uuid4

import obstore
from PIL import Image, ImageDraw

from turns.photos.images import SIZES
from turns.photos.storage import PhotoStore

CENT = Decimal("0.01")
# Per trade, what a line of it is: (description, unit, quantities, usual unit cost in dollars).
ITEMS: dict[str, list[tuple[str, str, tuple[int, int], tuple[int, int]]]] = {
    "PAINT": [
        ("Repaint walls and ceilings", "room", (3, 7), (180, 420)),
        ("Touch-up paint, doors and trim", "hour", (4, 12), (45, 65)),
    ],
    "FLOORING": [
        ("LVP in living areas", "sq ft", (250, 900), (4, 8)),
        ("Carpet in bedrooms", "sq yd", (40, 120), (22, 38)),
    ],
    "APPLIANCES": [("Replace range", "each", (1, 1), (550, 900)), ("Replace dishwasher", "each", (1, 1), (420, 700))],
    "PLUMBING": [
        ("Replace kitchen faucet", "each", (1, 1), (160, 320)),
        ("Re-caulk tubs and sinks", "each", (2, 4), (45, 90)),
    ],
    "ELECTRICAL": [("Replace light fixtures", "each", (2, 6), (60, 140))],
    "HVAC": [("Service HVAC and replace filter", "each", (1, 1), (140, 260))],
    "LANDSCAPING": [("Yard clean-up and mulch", "lot", (1, 1), (180, 420))],
    "ROOFING": [("Repair roof flashing", "ln ft", (10, 40), (12, 25))],
    "GENERAL": [("Patch drywall", "each", (3, 10), (35, 75)), ("Replace blinds", "each", (4, 10), (25, 45))],
}
ORDER = ("PAINT", "FLOORING", "APPLIANCES", "PLUMBING", "ELECTRICAL", "HVAC", "GENERAL", "LANDSCAPING", "ROOFING")
LAST = ("CLEANING", "Whole-home clean and punch list", "lot")
CHARGEBACK_EVERY = 7
"""About one turn in seven charges the resident back for part of its scope."""
PHOTO_EVERY = 5
"""About one turn in five with lines carries photos."""
COLOURS = {"PAINT": (196, 180, 150), "FLOORING": (140, 104, 70), "CLEANING": (210, 214, 218)}


@dataclass
class ScopeVendors:
    """Who can do what: each vendor's trades, the vendors based in each market (who get its
    lines), and the approved vendors serving each market (who may be asked to bid there)."""

    trades: dict[UUID, list[str]]
    by_market: dict[str, list[UUID]]
    serving: dict[str, list[UUID]]

    def able(self, trade: str, market: str) -> list[UUID]:
        """The vendors serving ``market`` that do ``trade``, in the order they were listed."""
        return [v for v in self.serving.get(market, []) if trade in self.trades[v]]

    def for_trade(self, trade: str, turn_vendor: UUID | None, market: str) -> UUID | None:
        if turn_vendor is not None and trade in self.trades.get(turn_vendor, []):
            return turn_vendor
        return next((v for v in self.by_market.get(market, []) if trade in self.trades[v]), turn_vendor)


@dataclass
class Written:
    """What the load wrote, for the caller's summary."""

    lines: int = 0
    photos: list[str] = field(default_factory=list)


def plan_lines(rng: random.Random, amount: Decimal) -> list[dict[str, Any]]:
    """Lines whose amounts add up to ``amount`` exactly: priced lines up to about four fifths
    of it, the last (a lot) the rest."""
    count = 1 + min(4, int(amount // 1500) + rng.randint(0, 1))
    trades = sorted(rng.sample(ORDER[:6], k=min(count - 1, 6)), key=ORDER.index)
    budget = amount * Decimal("0.8")
    weights = [rng.uniform(0.5, 1.5) for _ in trades]
    lines: list[dict[str, Any]] = []
    for trade, weight in zip(trades, weights, strict=True):
        description, unit, (low, high), (cheap, dear) = rng.choice(ITEMS[trade])
        target = (budget * Decimal(weight) / Decimal(sum(weights))).quantize(CENT, ROUND_DOWN)
        # As many units as the budget buys at a usual price, within what a home has.
        quantity = Decimal(max(low, min(high, round(target / rng.randint(cheap, dear)))))
        unit_cost = (target / quantity).quantize(CENT, ROUND_DOWN)
        if unit_cost <= 0:
            continue
        lines.append(
            {"trade": trade, "description": description, "quantity": quantity, "unit": unit, "unit_cost": unit_cost}
        )
    rest = amount - sum((line["quantity"] * line["unit_cost"] for line in lines), Decimal(0))
    trade, description, unit = LAST
    lines.append({"trade": trade, "description": description, "quantity": Decimal(1), "unit": unit, "unit_cost": rest})
    return lines


def _jpeg(trade: str, phase: str, size: tuple[int, int]) -> bytes:
    """A small picture of a wall or floor, before (stained) or after (clean)."""
    base = COLOURS.get(trade, (170, 170, 160))
    image = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle((0, height * 2 // 3, width, height), fill=tuple(c - 40 for c in base))  # the floor
    draw.rectangle((width // 8, height // 6, width // 3, height * 2 // 3), fill=(235, 235, 228))  # a door
    if phase == "before":
        for n in range(5):
            x, y = width // 2 + n * 23, height // 3 + (n % 3) * 17
            draw.ellipse((x, y, x + 30, y + 20), fill=(110, 90, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def _sized(original: bytes, longest: int) -> bytes:
    image = Image.open(io.BytesIO(original))
    image.thumbnail((longest, longest))
    out = io.BytesIO()
    image.save(out, "WEBP", quality=70)
    return out.getvalue()


def photo_rows(
    turn_id: UUID, lines: list[dict[str, Any]], taken_by: UUID, taken_at: datetime, done: bool
) -> list[tuple[dict[str, Any], dict[str, bytes]]]:
    """Before photos of the first line and of the cleaning, and after photos when the work is
    done: each as its row and its files by size."""
    shots = [(lines[0], "before"), (lines[-1], "before")] + ([(lines[0], "after")] if done else [])
    found = []
    for line, phase in shots:
        photo_id = uuid4()
        original = _jpeg(line["trade"], phase, (800, 600))
        files = {"original": original} | {size: _sized(original, longest) for size, longest in SIZES.items()}
        row = {
            "id": photo_id,
            "turn_id": turn_id,
            "subject": "scope_line",
            "subject_id": line["id"],
            "phase": phase,
            "caption": f"{line['description']} ({phase})",
            "content_type": "image/jpeg",
            "uploaded_type": "image/jpeg",
            "byte_size": len(original),
            "width": 800,
            "height": 600,
            "storage_key": f"photos/{turn_id}/{photo_id}",
            "sizes_ready": True,
            "created_by": taken_by,
            "created_at": taken_at,
            "updated_at": taken_at,
        }
        found.append((row, files))
    return found


def store_files(store: PhotoStore, key: str, files: dict[str, bytes]) -> None:
    """Put a photo's files in the store (synchronously: the load is one transaction, no loop)."""
    for size, data in files.items():
        obstore.put(store.store, f"{key}/{size}", data)
