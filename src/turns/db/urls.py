"""Which URL each part of Turns connects with.

With ``DATABASE_URL`` set (Neon or any PostgreSQL), the URLs come from the
environment; otherwise the embedded server is started (if it is not running)
and its roles and database are bootstrapped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from turns.config import ConfigError, Settings
from turns.db import logins
from turns.db.embedded import SUPERUSER, EmbeddedPostgres
from turns.db.standby import Standby


@dataclass(frozen=True)
class DatabaseUrls:
    owner: str
    """Direct primary as the owner role: migrations, seeding, administration."""
    app: str
    """Pooled primary as the application role: the API's reads and writes."""
    replica: str | None
    """Read replica as the application role, when one is configured."""
    replication: str
    """Direct primary as the replication role: logical replication for sync."""
    superuser: str | None = None
    """Embedded server only: the cluster's superuser."""


def with_credentials(url: str, user: str, password: str | None) -> str:
    """``url`` with its user and password replaced."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    auth = quote(user, safe="")
    if password:
        auth += ":" + quote(password, safe="")
    return urlunsplit((parts.scheme, f"{auth}@{host}", parts.path, parts.query, parts.fragment))


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def embedded_server(settings: Settings) -> EmbeddedPostgres:
    return EmbeddedPostgres(settings.data_dir)


_BOOTSTRAP_LOCK = 7_411_001
"""The advisory lock (in the ``postgres`` database) that one bootstrap at a time holds."""


def bootstrap_embedded(server: EmbeddedPostgres, database: str = logins.DATABASE) -> None:
    """Create the roles and the database on a running embedded cluster (idempotent), one process at
    a time: the API's workers start together and each bootstraps, and two ``ALTER ROLE`` of one
    role at once fail ("tuple concurrently updated")."""
    with psycopg.connect(server.url(SUPERUSER, "postgres"), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_BOOTSTRAP_LOCK,))  # held until the connection closes
        conn.execute(logins.owner_statement(server.password(logins.OWNER)))
        conn.execute(logins.app_statement(server.password(logins.APP)))
        conn.execute(logins.replication_statement(server.password(logins.REPLICATION)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(logins.OWNER))
            )
        with psycopg.connect(server.url(SUPERUSER, database), autocommit=True) as in_database:
            # Not a trusted extension: only a superuser may create it.
            in_database.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")


def embedded_urls(server: EmbeddedPostgres, database: str = logins.DATABASE) -> DatabaseUrls:
    return DatabaseUrls(
        owner=server.url(logins.OWNER, database),
        app=server.url(logins.APP, database),
        replica=None,
        replication=server.url(logins.REPLICATION, database),
        superuser=server.url(SUPERUSER, database),
    )


def local_replica(urls: DatabaseUrls, server: EmbeddedPostgres) -> DatabaseUrls:
    """``urls`` reading from the local standby (``turns db replica create``) while it runs."""
    standby = Standby(server)
    if not standby.server.is_running():
        return urls
    return replace(urls, replica=standby.url(logins.APP, logins.DATABASE))


def resolve(settings: Settings, *, start: bool = True) -> DatabaseUrls:
    """The URLs for ``settings``; starts and bootstraps the embedded server if needed."""
    if settings.embedded:
        server = embedded_server(settings)
        if start:
            server.ensure_running()
            bootstrap_embedded(server)
        return local_replica(embedded_urls(server), server)
    assert settings.database_url is not None
    app = settings.database_pooled_url
    if app is None:
        if settings.app_password is None:
            raise ConfigError(
                "set DATABASE_POOLED_URL (the application role's URL) or TURNS_APP_PASSWORD "
                "so the API connects as the application role, never as the owner"
            )
        app = with_credentials(settings.database_url, logins.APP, settings.app_password)
    replication = settings.electric_database_url
    if replication is None:
        replication = with_credentials(settings.database_url, logins.REPLICATION, settings.replication_password)
    return DatabaseUrls(
        owner=settings.database_url,
        app=app,
        replica=settings.read_replica_url,
        replication=replication,
    )
