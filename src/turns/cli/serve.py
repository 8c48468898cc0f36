"""``turns serve`` and ``turns up``."""

from __future__ import annotations

import typer
import uvicorn

from turns.cli.common import clear_errors, settings, urls
from turns.cli.db import print_credentials
from turns.db import migrate
from turns.db.urls import embedded_server
from turns.seed.demo import demo_loaded, seed_demo


def _serve(host: str | None, port: int | None) -> None:
    s = settings()
    uvicorn.run(
        "turns.app:create_app",
        factory=True,
        host=host or s.host,
        port=port or s.port,
        log_config=None,
        proxy_headers=False,  # the app believes X-Forwarded-For only from TURNS_TRUSTED_PROXIES
    )


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(host: str | None = typer.Option(None), port: int | None = typer.Option(None)) -> None:
        """Run the API server (starts the embedded database if it is the one configured)."""
        urls()
        _serve(host, port)

    @app.command("up")
    def up(
        host: str | None = typer.Option(None),
        port: int | None = typer.Option(None),
        demo: bool = typer.Option(True, help="Load the demo data set when the database has none."),
    ) -> None:
        """Everything at once: database, migrations, demo data, API server."""
        s = settings()
        started_here = s.embedded and not embedded_server(s).is_running()
        resolved = urls()
        try:
            with clear_errors():
                migrate.upgrade(resolved.owner)
                if demo and not demo_loaded(resolved.owner):
                    credentials = seed_demo(resolved.owner)
                    print_credentials([(c.email, c.role, c.password) for c in credentials])
            _serve(host, port)
        finally:
            if started_here:
                embedded_server(s).stop()
