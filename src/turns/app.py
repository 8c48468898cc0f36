"""The ASGI application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import cast

from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from turns import __version__, frontend
from turns.audit.endpoints import router as audit_router
from turns.auth.endpoints import router as auth_router
from turns.auth.maintenance import purge_sessions
from turns.bids.endpoints import router as bids_router
from turns.config import Settings
from turns.db.engines import Database, replica_options
from turns.db.urls import DatabaseUrls, resolve
from turns.exports.endpoints import router as exports_router
from turns.health.endpoints import router as health_router
from turns.imports.endpoints import router as imports_router
from turns.inspections.endpoints import router as inspections_router
from turns.jobs import worker as jobs_worker
from turns.jobs.context import WorkerResources
from turns.kit import errors, logging
from turns.kit.caching import NoStoreMiddleware
from turns.kit.limits import JsonLimitMiddleware
from turns.kit.memory import settle_collector
from turns.kit.periodic import every
from turns.kit.requests import RequestIdMiddleware
from turns.kit.shortcut import Layer, LayeredApp, Shortcut
from turns.kit.supervision import end_with_supervisor
from turns.monitoring.endpoints import metrics_router
from turns.monitoring.endpoints import router as monitor_router
from turns.monitoring.metrics import MetricsMiddleware
from turns.notifications.endpoints import router as notifications_router
from turns.notifications.mailer import Mailer
from turns.photos.endpoints import router as photos_router
from turns.properties.endpoints import router as properties_router
from turns.replicas.middleware import ReadPathMiddleware
from turns.reports.endpoints import router as reports_router
from turns.schedules.endpoints import router as schedules_router
from turns.scope.endpoints import router as scope_router
from turns.search.endpoints import router as search_router
from turns.stages.endpoints import router as stages_router
from turns.sync.channel import RemoteEngine
from turns.sync.endpoints import ShapeHttpRequest, get_shape
from turns.sync.endpoints import router as sync_router
from turns.sync.engine import engine_for, engine_options
from turns.sync.protocol import CachePolicy
from turns.sync.sessions import cache_of
from turns.unit_turns.endpoints import router as turns_router
from turns.users.endpoints import links_router
from turns.users.endpoints import router as users_router
from turns.utilities.endpoints import router as utilities_router
from turns.vendors.endpoints import router as vendors_router
from turns.workflow.endpoints import router as workflow_router


def create_app(settings: Settings | None = None, urls: DatabaseUrls | None = None) -> LayeredApp:
    settings = settings or Settings.from_env()
    logging.configure(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: LayeredApp) -> AsyncIterator[None]:
        end_with_supervisor()  # a worker of `turns serve --workers N`
        database = Database.connect(
            urls or resolve(settings), pool_size=settings.pool_size, replica=replica_options(settings)
        )
        app.state.database = database
        stop = asyncio.Event()
        workers = [asyncio.create_task(database.monitor_replica(stop))]
        if settings.sync and not settings.electric_url:
            if settings.sync_remote:
                app.state.sync = RemoteEngine(database, engine_options(database, settings).folder)
            else:
                app.state.sync = engine_for(database, settings)
            app.state.sync.users_changed = cache_of(app).forget_users
            workers.append(asyncio.create_task(app.state.sync.run(stop)))
        if settings.run_worker:
            mailer = Mailer(database, settings.smtp_url, settings.mail_from, settings.public_url)
            workers.append(asyncio.create_task(mailer.run(stop)))
            workers.append(asyncio.create_task(every(600, partial(purge_sessions, database), stop, "session-purge")))
            workers.append(asyncio.create_task(jobs_worker.run(stop, WorkerResources(database, settings))))
        settle_collector()
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*workers, return_exceptions=True)
            await database.dispose()

    app = LayeredApp(
        title="Turns API",
        version=__version__,
        summary="Unit turns (make-ready) for rental operators.",
        lifespan=lifespan,
        # Turns reports through its own Prometheus metrics and logs: FastAPI's OpenTelemetry hooks
        # would only look for a provider on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    # (the generic mode's shapes have no user: nothing in them is private)
    public = settings.sync_public_cache or settings.sync_test_schema is not None
    app.state.sync_cache = CachePolicy(settings.sync_max_age, settings.sync_stale_age, public)
    errors.install(app)
    app.add_middleware(JsonLimitMiddleware)
    app.add_middleware(ReadPathMiddleware)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(NoStoreMiddleware)
    # Long-polls of shapes go around the whole stack (see turns.kit.shortcut): only their request
    # ids (which answer an unhandled error), metrics and the app's exception handlers.
    shortcut = partial(
        Shortcut,
        method="GET",
        path="/v1/shape",
        endpoint=get_shape,
        layers=(RequestIdMiddleware, MetricsMiddleware),
        request=ShapeHttpRequest,
    )
    # Proxy headers outermost, so everything inside sees the client the proxies name. The server's
    # own proxy-header handling is off (`turns serve`): only these addresses are believed.
    outer: list[Layer] = [shortcut]
    if settings.trusted_proxies:
        # (uvicorn types an ASGI app more narrowly than Starlette does)
        outer.append(cast(Layer, partial(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))))
    app.outer = outer
    # FastAPI tries each router's routes in turn, in this order: the most asked for first (a search
    # behind fifteen routers took 0.2 ms to route). No route is reached before its own
    # (tests/api/test_routing.py), so the order changes nothing else.
    app.include_router(health_router)
    app.include_router(auth_router)
    app.include_router(links_router)
    app.include_router(turns_router)
    app.include_router(workflow_router)
    app.include_router(search_router)
    app.include_router(properties_router)
    app.include_router(notifications_router)
    app.include_router(photos_router)
    app.include_router(scope_router)
    app.include_router(bids_router)
    app.include_router(schedules_router)
    app.include_router(inspections_router)
    app.include_router(vendors_router)
    app.include_router(users_router)
    app.include_router(stages_router)
    app.include_router(utilities_router)
    app.include_router(sync_router)
    app.include_router(reports_router)
    app.include_router(exports_router)
    app.include_router(imports_router)
    app.include_router(audit_router)
    app.include_router(monitor_router)
    app.include_router(metrics_router)
    frontend.mount(app, settings)
    return app
