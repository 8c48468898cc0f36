"""``turns db seed``: the demo data, and as much generated data as a benchmark asks for."""

from __future__ import annotations

import time

import typer

from turns.cli.common import clear_errors, fail, settings, urls
from turns.seed.demo import DEMO_PROPERTIES, SeedError, seed_demo
from turns.seed.scale import Phase, seed_scale

app = typer.Typer()


def print_credentials(credentials: list[tuple[str, str, str]]) -> None:
    typer.secho("\nDemo users (shown once; passwords are not stored in clear):", bold=True)
    for email, role, password in credentials:
        typer.echo(f"  {role:<20} {email:<36} {password}")
    typer.echo("")


@app.command("seed")
def seed_cmd(
    demo: bool = typer.Option(False, "--demo", help="Load the demo data set."),
    properties: int = typer.Option(
        DEMO_PROPERTIES,
        min=DEMO_PROPERTIES,
        help=f"Total properties. The demo's {DEMO_PROPERTIES} always come first; above that, the rest (with their"
        " managers, vendors, ten years of turns, stage history and audit rows) are generated and loaded with"
        " COPY, e.g. 100000 for benchmarks.",
    ),
) -> None:
    """Load demo data (the reference data comes with the migrations)."""
    if not demo:
        fail("nothing to seed: pass --demo")
    began = time.perf_counter()
    with clear_errors():
        owner = urls().owner
        try:
            credentials = seed_demo(owner, photo_store=settings().photo_store_url)
            typer.echo(f"demo data: {DEMO_PROPERTIES} properties ({time.perf_counter() - began:.1f} s)")
            if properties > DEMO_PROPERTIES:
                extra = properties - DEMO_PROPERTIES
                typer.echo(f"generating {extra} more properties:")
                result = seed_scale(owner, extra, progress=_print_phase)
                typer.echo(
                    f"generated {result.properties} properties, {result.turns} turns, {result.history}"
                    f" stage history rows, {result.audit} audit rows in {result.seconds:.1f} s"
                )
        except SeedError as exc:
            fail(str(exc))
    print_credentials([(c.email, c.role, c.password) for c in credentials])
    typer.echo(f"seeded in {time.perf_counter() - began:.1f} s")


def _print_phase(phase: Phase) -> None:
    rows = f"{phase.rows:>11,} rows" if phase.rows else " " * 16
    typer.echo(f"  {phase.name:<58}{rows} {phase.seconds:>7.1f} s")
