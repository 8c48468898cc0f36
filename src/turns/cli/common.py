"""What every command needs: settings, database URLs and clear failures."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import NoReturn

import psycopg
import sqlalchemy.exc
import typer

from turns.config import ConfigError, Settings
from turns.db.embedded import EmbeddedError
from turns.db.urls import DatabaseUrls, resolve


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


@contextlib.contextmanager
def clear_errors() -> Iterator[None]:
    """Turn the failures a user can cause or fix into one line and exit code 1."""
    try:
        yield
    except ConfigError as exc:
        fail(f"configuration: {exc}")
    except EmbeddedError as exc:
        fail(f"embedded PostgreSQL: {exc}")
    except psycopg.OperationalError as exc:
        fail(f"cannot reach the database: {str(exc).strip().splitlines()[0]}")
    except sqlalchemy.exc.OperationalError as exc:
        # Migrations connect through SQLAlchemy, which wraps the driver's error.
        fail(f"cannot reach the database: {str(exc.orig).strip().splitlines()[0]}")


def settings() -> Settings:
    with clear_errors():
        return Settings.from_env()


def urls(start: bool = True) -> DatabaseUrls:
    with clear_errors():
        return resolve(settings(), start=start)
