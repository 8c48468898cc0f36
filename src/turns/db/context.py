"""Who acts in a transaction: the settings RLS policies and audit triggers read.

Always transaction-local (``set_config(..., true)``), so they never outlive the
transaction and work through a transaction-mode pooler.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

SYSTEM_USER_ID = UUID("00000000-0000-0000-0000-000000000001")

_SETTINGS = {
    "current_user_id": "user_id",
    "context": "context",
    "ip_address": "ip_address",
    "user_agent": "user_agent",
    "session_id": "session_id",
}
"""Each transaction-local setting of the acting user, and the :meth:`Actor.params` key it is set from."""


def context_calls(**expressions: str) -> str:
    """The ``set_config`` calls that make the acting user's settings, each set from its parameter
    unless ``expressions`` gives the SQL of its value (keyed as the parameter)."""
    return ", ".join(
        f"set_config('app.{setting}', {expressions.get(key, f'%({key})s')}, true)" for setting, key in _SETTINGS.items()
    )


SET_CONTEXT_SQL = "SELECT " + context_calls()


@dataclass(frozen=True)
class Actor:
    user_id: UUID | None
    context: str
    ip_address: str | None = None
    user_agent: str | None = None
    session_id: UUID | None = None

    def params(self) -> dict[str, str]:
        return {
            "user_id": str(self.user_id) if self.user_id else "",
            "context": self.context,
            "ip_address": self.ip_address or "",
            "user_agent": self.user_agent or "",
            "session_id": str(self.session_id) if self.session_id else "",
        }


def system_actor(context: str) -> Actor:
    """The system user, for the CLI, jobs and seeding."""
    return Actor(user_id=SYSTEM_USER_ID, context=context)
