"""Delivers the e-mail outbox over SMTP.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` (several workers never take the same
row), sent, and marked sent in the same transaction; a failure is retried with
exponential backoff. A row is marked sent only after the SMTP server accepted it; if
the process dies in between, the row is sent again with the same ``Message-ID`` (the
outbox id), so receiving systems can drop the duplicate.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote, urlsplit

from anyio import to_thread
from sqlalchemy import text

from turns.auth.transaction import open_transaction
from turns.db.context import system_actor
from turns.db.engines import Database
from turns.kit.logging import get_logger
from turns.kit.periodic import every
from turns.notifications.templates import TEMPLATES

log = get_logger("turns.mailer")
MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(hours=1)

_CLAIM = text(
    "SELECT id, template, recipients, context, attempts FROM email_outbox"
    " WHERE status IN ('PENDING', 'SENDING') AND next_attempt_at <= now()"
    " ORDER BY next_attempt_at, id LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_SENT = text(
    "UPDATE email_outbox SET status = 'SENT', sent_at = now(), attempts = attempts + 1,"
    " last_error = :note WHERE id = :id"
)
_FAILED = text(
    "UPDATE email_outbox SET attempts = attempts + 1, last_error = :error, next_attempt_at = now() + :delay,"
    " status = CASE WHEN attempts + 1 >= :max THEN 'FAILED' ELSE 'PENDING' END WHERE id = :id"
)


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None
    password: str | None
    mode: str  # "plain", "starttls" or "tls"

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        modes = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}
        if parts.scheme not in modes or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://host:port, smtp+starttls://… or smtps://…")
        default_port = 465 if parts.scheme == "smtps" else 587 if parts.scheme == "smtp+starttls" else 25
        return cls(
            parts.hostname,
            parts.port or default_port,
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
            modes[parts.scheme],
        )


def backoff(attempts: int) -> timedelta:
    delay: timedelta = min(MAX_DELAY, BASE_DELAY * 2 ** max(0, attempts))
    return delay


def build_message(row: dict[str, Any], sender: str, public_url: str) -> EmailMessage:
    template = TEMPLATES[row["template"]]
    context = dict(row["context"] or {})
    # The web app's page the e-mail is about: a turn's, unless the context names another.
    path = context.get("path") or f"#/turns/{context.get('turn_uuid', '')}"
    link = f"{public_url.rstrip('/')}/{path}"
    rendered = template.render(context, link)
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = ", ".join(row["recipients"])
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{row['id']}@turns>"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


def build_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    return str(part.get_content()) if part is not None else ""


def send(target: SmtpTarget, message: EmailMessage, timeout: float = 10.0) -> None:
    if target.mode == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=timeout)
    with client:
        if target.mode == "starttls":
            client.starttls(context=ssl.create_default_context())
        if target.username:
            client.login(target.username, target.password or "")
        client.send_message(message)


class Mailer:
    def __init__(self, database: Database, smtp_url: str | None, sender: str, public_url: str) -> None:
        self.database = database
        self.target = SmtpTarget.parse(smtp_url) if smtp_url else None
        self.sender = sender
        self.public_url = public_url

    async def deliver_due(self, limit: int = 20) -> int:
        """Send what is due; returns how many were sent."""
        sent = 0
        async with open_transaction(self.database, system_actor("mailer")) as conn:
            rows = (await conn.execute(_CLAIM, {"limit": limit})).mappings().all()
            for row in rows:
                message = build_message(dict(row), self.sender, self.public_url)
                try:
                    if self.target is None:
                        log.info(
                            "mail_logged",
                            to=message["To"],
                            subject=message["Subject"],
                            text=build_text(message),
                        )
                        note = "logged: no SMTP_URL configured"
                    else:
                        await to_thread.run_sync(send, self.target, message)
                        note = None
                except (OSError, smtplib.SMTPException) as exc:
                    await conn.execute(
                        _FAILED,
                        {
                            "id": row["id"],
                            "error": f"{type(exc).__name__}: {exc}"[:500],
                            "delay": backoff(row["attempts"]),
                            "max": MAX_ATTEMPTS,
                        },
                    )
                    log.warning("mail_failed", outbox_id=str(row["id"]), error=str(exc))
                    continue
                await conn.execute(_SENT, {"id": row["id"], "note": note})
                sent += 1
        return sent

    async def deliver_all_due(self) -> None:
        while await self.deliver_due():
            pass

    async def run(self, stop: asyncio.Event, interval: float = 2.0) -> None:
        await every(interval, self.deliver_all_due, stop, "mailer")
