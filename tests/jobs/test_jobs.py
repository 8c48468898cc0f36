import asyncio
from uuid import uuid4

import psycopg
import pytest
from procrastinate import App
from procrastinate.exceptions import TaskNotFound

from tests.fixtures.factory import Factory
from turns.auth.transaction import open_transaction
from turns.config import Settings
from turns.db.context import system_actor
from turns.db.engines import Database
from turns.db.urls import DatabaseUrls
from turns.exports import tasks as export_tasks
from turns.jobs import queue as jobs_queue
from turns.jobs.context import WorkerResources, additional_context
from turns.jobs.enqueue import enqueue
from turns.jobs.worker import connector, direct_app_url
from turns.photos import tasks as photo_tasks
from turns.reports import tasks as report_tasks


class Boom(Exception):
    pass


def _jobs(urls: DatabaseUrls) -> list[tuple[str, str]]:
    assert urls.superuser is not None
    with psycopg.connect(urls.superuser) as conn:
        return [(r[0], r[1]) for r in conn.execute("SELECT task_name, args->>'export_id' FROM jobs.procrastinate_jobs")]


async def _database(urls: DatabaseUrls) -> Database:
    return Database.connect(urls, pool_size=2)


def test_a_job_exists_only_once_its_transaction_commits(db: DatabaseUrls) -> None:
    async def scenario() -> None:
        database = await _database(db)
        try:
            with pytest.raises(Boom):
                async with open_transaction(database, system_actor("test")) as conn:
                    await enqueue(conn, export_tasks.EXPORT, export_id="rolled-back", user_id=str(uuid4()))
                    raise Boom  # the request fails after enqueueing
            assert _jobs(db) == []

            async with open_transaction(database, system_actor("test")) as conn:
                job_id = await enqueue(conn, export_tasks.EXPORT, export_id="committed", user_id=str(uuid4()))
                assert job_id > 0
                assert _jobs(db) == []  # not visible to a worker before commit
            assert _jobs(db) == [(export_tasks.EXPORT, "committed")]
        finally:
            await database.dispose()

    asyncio.run(scenario())


def test_unknown_tasks_are_refused_before_anything_is_written(db: DatabaseUrls) -> None:
    async def scenario() -> None:
        database = await _database(db)
        try:
            async with open_transaction(database, system_actor("test")) as conn:
                with pytest.raises(TaskNotFound):
                    await enqueue(conn, "no.such.task")
        finally:
            await database.dispose()

    asyncio.run(scenario())
    assert _jobs(db) == []


def test_property_summary_is_refreshed_by_a_periodic_job(db: DatabaseUrls, factory: Factory) -> None:
    factory.property()
    assert factory.query("SELECT count(*) FROM property_summary") == [(0,)]

    async def scenario() -> App:
        database = await _database(db)
        app = jobs_queue.build(connector(db))
        try:
            async with app.open_async():
                await app.configure_task(report_tasks.REFRESH_PROPERTY_SUMMARY).defer_async(timestamp=0)
                await app.run_worker_async(
                    wait=False,
                    install_signal_handlers=False,
                    additional_context=additional_context(WorkerResources(database, Settings.from_env())),
                )
        finally:
            await database.dispose()
        return app

    app = asyncio.run(scenario())

    assert factory.query("SELECT count(*) FROM property_summary") == [(1,)]
    # The worker may also have deferred periodic jobs that fell due while it ran: all must succeed.
    deferred = factory.query(
        "SELECT DISTINCT status::text FROM jobs.procrastinate_jobs WHERE task_name = %s",
        (report_tasks.REFRESH_PROPERTY_SUMMARY,),
    )
    assert deferred == [("succeeded",)]
    schedule = {p.task.name: p.cron for p in app.periodic_registry.periodic_tasks.values()}
    assert schedule == {
        report_tasks.REFRESH_PROPERTY_SUMMARY: "*/5 * * * *",
        report_tasks.REFRESH_REPORT_SNAPSHOTS: "*/5 * * * *",
        export_tasks.PURGE_EXPORT_FILES: "7 * * * *",
        photo_tasks.PURGE: "*/10 * * * *",
    }


def test_the_worker_connects_directly_as_the_application_role() -> None:
    urls = DatabaseUrls(
        owner="postgresql://owner:secret@ep-cool-1.example.test/turns?sslmode=require",
        app="postgresql://turns_app:p%40ss@ep-cool-1-pooler.example.test/turns?sslmode=require",
        replica=None,
        replication="postgresql://turns_replication:x@ep-cool-1.example.test/turns",
    )
    assert direct_app_url(urls) == "postgresql://turns_app:p%40ss@ep-cool-1.example.test/turns?sslmode=require"


def test_the_queue_is_reachable_by_grant_only(db: DatabaseUrls) -> None:
    with psycopg.connect(db.app) as conn:
        row = conn.execute(
            "SELECT has_schema_privilege('jobs', 'CREATE'), has_table_privilege('jobs.procrastinate_jobs', 'INSERT'),"
            " has_table_privilege('jobs.procrastinate_jobs', 'TRUNCATE'),"
            " has_function_privilege('audit_export(text, uuid, jsonb)', 'EXECUTE')"
        ).fetchone()
    assert row == (False, True, False, True)
    with psycopg.connect(db.owner) as conn:
        rls = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = 'export_jobs'"
            " AND c.relrowsecurity AND c.relforcerowsecurity"
        ).fetchall()
    assert rls == [("export_jobs",)]
