"""The ASGI application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from turns import __version__
from turns.auth.endpoints import router as auth_router
from turns.auth.maintenance import purge_sessions
from turns.config import Settings
from turns.db.urls import DatabaseUrls, resolve
from turns.exports.endpoints import router as exports_router
from turns.health.endpoints import router as health_router
from turns.jobs import worker as jobs_worker
from turns.jobs.context import WorkerResources
from turns.kit import errors, logging
from turns.kit.database import Database, replica_options
from turns.kit.periodic import every
from turns.kit.requests import RequestIdMiddleware
from turns.notifications.endpoints import router as notifications_router
from turns.notifications.mailer import Mailer
from turns.properties.endpoints import router as properties_router
from turns.replicas.middleware import ReadPathMiddleware
from turns.turns.endpoints import router as turns_router
from turns.workflow.endpoints import router as workflow_router


def create_app(settings: Settings | None = None, urls: DatabaseUrls | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    logging.configure(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database.connect(
            urls or resolve(settings), pool_size=settings.pool_size, replica=replica_options(settings)
        )
        app.state.database = database
        stop = asyncio.Event()
        workers = [asyncio.create_task(database.monitor_replica(stop))]
        if settings.run_worker:
            mailer = Mailer(database, settings.smtp_url, settings.mail_from, settings.public_url)
            workers.append(asyncio.create_task(mailer.run(stop)))
            workers.append(asyncio.create_task(every(600, partial(purge_sessions, database), stop, "session-purge")))
            workers.append(asyncio.create_task(jobs_worker.run(stop, WorkerResources(database, settings))))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*workers, return_exceptions=True)
            await database.dispose()

    app = FastAPI(
        title="Turns API",
        version=__version__,
        summary="Unit turns (make-ready) for rental operators.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(ReadPathMiddleware)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(health_router)
    app.include_router(auth_router)
    app.include_router(properties_router)
    app.include_router(turns_router)
    app.include_router(workflow_router)
    app.include_router(notifications_router)
    app.include_router(exports_router)
    return app
