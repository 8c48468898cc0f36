"""The ``turns`` command, run as a separate process against a test database.

Each start of the command costs seconds of imports, so independent invocations run side by side.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

from tests.fixtures.factory import Factory
from turns.cli import app
from turns.db import migrate
from turns.db.urls import DatabaseUrls

PASSWORD = "a long enough password"
UNREACHABLE = "postgresql://turns_owner:nothing@127.0.0.1:1/turns"
Env = dict[str, str]


def environment(tmp_path: Path, owner: str | None, app: str | None) -> Env:
    """The process's environment with only the given database configured (none: the embedded one,
    in ``tmp_path``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "TURNS_", "NEON_", "ELECTRIC_"))}
    if owner is None or app is None:
        return env | {"TURNS_DATA_DIR": str(tmp_path / "data")}
    env.update(DATABASE_URL=owner, DATABASE_POOLED_URL=app, TURNS_DATA_DIR=str(tmp_path / "unused"))
    return env


def run_all(*calls: tuple[Env, list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Run ``turns ARGS`` for each call at once; the results in call order."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "turns", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for env, args in calls
    ]
    results = []
    for proc, (_, args) in zip(procs, calls, strict=True):
        out, err = proc.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return results


def assert_clear_failure(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode != 0, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith("error: ")


def create_user(env: Env, email: str, role: str) -> tuple[Env, list[str]]:
    return env, ["users", "create", "--email", email, "--role", role, "--password", PASSWORD, "--first-name", "Ada"]


def test_commands(db: DatabaseUrls, empty_db: DatabaseUrls, factory: Factory, tmp_path: Path) -> None:
    env = environment(tmp_path, db.owner, db.app)
    unreachable = environment(tmp_path, UNREACHABLE, UNREACHABLE.replace("turns_owner", "turns_app"))
    head = migrate.head_revision()
    status, migrated, created, unknown_role, url, down_status, down_migrate = run_all(
        (env, ["db", "status"]),
        (env, ["db", "migrate"]),
        create_user(env, "New.Admin@Example.com", "admin"),
        create_user(env, "someone@example.com", "landlord"),
        (env, ["db", "url"]),
        (unreachable, ["db", "status"]),
        (unreachable, ["db", "migrate"]),
    )
    assert status.returncode == 0, status.stderr
    assert status.stdout.strip() == f"schema: {head} (code: {head})"

    # Migrating a database already at head changes nothing and succeeds.
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.strip() == f"schema at {head}"
    assert migrate.current_revision(db.owner) == head

    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created ADMIN new.admin@example.com (")
    rows = factory.query(
        "SELECT role::text, first_name, password_hash LIKE '%%' || %s || '%%' FROM users WHERE email = %s",
        (PASSWORD, "new.admin@example.com"),
    )
    assert rows == [("ADMIN", "Ada", False)]

    assert_clear_failure(unknown_role, "unknown role 'LANDLORD'")
    assert url.returncode == 0 and url.stdout.strip() == db.app
    for result in (down_status, down_migrate):
        assert_clear_failure(result, "cannot reach the database")
        assert "Connection refused" in result.stderr

    duplicate, empty_status, weak = run_all(
        create_user(env, "NEW.ADMIN@example.com", "user"),
        (environment(tmp_path, empty_db.owner, empty_db.app), ["db", "status"]),
        (env, ["users", "create", "--email", "weak@example.com", "--role", "user", "--password", "aaaaaaaaaa"]),
    )
    assert_clear_failure(duplicate, "a user with the e-mail 'new.admin@example.com' already exists")
    assert_clear_failure(weak, 'this password is too easy to guess. Repeats like "aaa" are easy to guess.')
    assert factory.query("SELECT count(*) FROM users WHERE email = 'weak@example.com'") == [(0,)]
    assert factory.query("SELECT role::text FROM users WHERE email = 'new.admin@example.com'") == [("ADMIN",)]
    assert empty_status.returncode == 1
    assert empty_status.stdout.strip() == f"schema: empty (code: {head})  -> run `turns db migrate`"


def test_help_lists_every_command() -> None:
    """Each command's module is imported when the command runs; help imports them all to describe them."""
    runner = CliRunner()
    assert _commands(runner.invoke(app, ["--help"])) == [
        "db",
        "users",
        "monitor",
        "serve",
        "up",
        "import",
        "worker",
        "sync",
    ]
    assert _commands(runner.invoke(app, ["db", "--help"])) == [
        *("migrate", "downgrade", "status", "reset", "url", "psql", "roles", "start", "stop"),
        *("replica", "branch", "seed", "backup", "backups", "check-backups", "restore"),
    ]
    assert _commands(runner.invoke(app, ["db", "branch", "--help"])) == ["create", "list", "delete"]


def _commands(result: Result) -> list[str]:
    """The commands a help page lists, in its order."""
    assert result.exit_code == 0, result.output
    commands = result.output.split("Commands")[1]
    return re.findall(r"^│ ([a-z][a-z-]*) ", commands, flags=re.MULTILINE)


def test_a_command_imports_only_what_it_needs(db: DatabaseUrls) -> None:
    """``turns db url`` starts without the web server, the importer, the seeding or the backups (each
    would add seconds to every start of the command)."""
    script = (
        "import sys; from typer.testing import CliRunner; from turns.cli import app; "
        "print(CliRunner().invoke(app, ['db', 'url']).output, end=''); print(*sorted(sys.modules))"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        env=environment(Path("unused"), db.owner, db.app),
        capture_output=True,
        text=True,
    )
    url, modules = run.stdout.splitlines()
    assert url == db.app, run.stderr
    loaded = set(modules.split())
    assert {"turns.cli.db", "turns.cli.common"} <= loaded
    assert loaded.isdisjoint({"fastapi", "uvicorn", "turns.app", "turns.cli.serve", "turns.cli.backups"})
    assert loaded.isdisjoint({"turns.cli.imports", "turns.cli.seed", "turns.seed.demo", "turns.cli.replica"})
