"""What a running task gets from the worker that runs it."""

from __future__ import annotations

from dataclasses import dataclass

from procrastinate import JobContext

from turns.config import Settings
from turns.db.engines import Database

_KEY = "turns"


@dataclass(frozen=True)
class WorkerResources:
    database: Database
    """The application's engines (pooled URL, application role): tasks' reads and writes go
    through RLS as the user or system actor they act for."""
    settings: Settings


def additional_context(resources: WorkerResources) -> dict[str, object]:
    return {_KEY: resources}


def resources_of(context: JobContext) -> WorkerResources:
    found = context.additional_context[_KEY]
    assert isinstance(found, WorkerResources)
    return found


def database_of(context: JobContext) -> Database:
    return resources_of(context).database
