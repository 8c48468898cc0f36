"""Branches and point-in-time restore on Neon, through Neon's HTTP API (v2).

On Neon both are features of the platform: a branch is a copy-on-write copy of its
parent, now or as of a past time (``parent_timestamp``) within the project's
history window, and a restore is a branch at that time. The client asks for a
read-write and a read-only compute on each new branch and turns the answer into
the URLs Turns is configured with: ``DATABASE_URL`` (the owner, direct),
``DATABASE_POOLED_URL`` (``turns_app`` through the ``-pooler`` host) and
``NEON_READ_REPLICA_URL`` (``turns_app`` on the read-only compute). Roles live in
the branch, so ``turns_app`` keeps its password (``TURNS_APP_PASSWORD``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from turns.db import logins

API_URL = "https://console.neon.tech/api/v2"


class NeonError(RuntimeError):
    """Neon's API refused or failed a request."""


@dataclass(frozen=True)
class NeonBranch:
    branch_id: str
    name: str
    parent_id: str | None
    created_at: str
    state: str


@dataclass(frozen=True)
class BranchUrls:
    branch: NeonBranch
    database_url: str
    pooled_url: str
    replica_url: str | None

    def lines(self) -> list[str]:
        out = [f"DATABASE_URL={self.database_url}", f"DATABASE_POOLED_URL={self.pooled_url}"]
        return out + ([f"NEON_READ_REPLICA_URL={self.replica_url}"] if self.replica_url else [])


def configured() -> bool:
    return bool(os.environ.get("NEON_API_KEY") and os.environ.get("NEON_PROJECT_ID"))


def _with_host(url: str, host: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class Neon:
    def __init__(self, api_key: str, project_id: str, api_url: str = API_URL, app_password: str | None = None) -> None:
        self.project_id = project_id
        self.app_password = app_password
        self.client = httpx.Client(
            base_url=api_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=60,
        )

    @classmethod
    def from_env(cls) -> Neon:
        return cls(
            os.environ["NEON_API_KEY"],
            os.environ["NEON_PROJECT_ID"],
            os.environ.get("NEON_API_URL") or API_URL,
            os.environ.get("TURNS_APP_PASSWORD"),
        )

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self.client.request(method, f"/projects/{quote(self.project_id, safe='')}{path}", json=body)
        except httpx.HTTPError as exc:
            raise NeonError(f"cannot reach Neon's API: {exc}") from exc
        if response.status_code >= 400:
            try:
                message = response.json().get("message") or response.text
            except ValueError:
                message = response.text
            raise NeonError(f"Neon's API answered {response.status_code}: {message}")
        data: dict[str, Any] = response.json()
        return data

    @staticmethod
    def _branch(item: dict[str, Any]) -> NeonBranch:
        return NeonBranch(
            branch_id=item["id"],
            name=item["name"],
            parent_id=item.get("parent_id"),
            created_at=item.get("created_at", ""),
            state=item.get("current_state", ""),
        )

    def list(self) -> list[NeonBranch]:
        return [self._branch(item) for item in self._call("GET", "/branches").get("branches", [])]

    def find(self, name: str) -> NeonBranch:
        for branch in self.list():
            if branch.name == name:
                return branch
        raise NeonError(f"no Neon branch named {name!r}")

    def create(self, name: str, at: datetime | None = None) -> BranchUrls:
        """A branch of the default branch (as of ``at``) with a read-write and a read-only compute."""
        spec: dict[str, Any] = {"name": name}
        if at is not None:
            spec["parent_timestamp"] = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"branch": spec, "endpoints": [{"type": "read_write"}, {"type": "read_only"}]}
        return self._urls(self._call("POST", "/branches", body))

    def delete(self, name: str) -> NeonBranch:
        branch = self.find(name)
        return self._branch(self._call("DELETE", f"/branches/{quote(branch.branch_id, safe='')}")["branch"])

    def _urls(self, created: dict[str, Any]) -> BranchUrls:
        uris = created.get("connection_uris") or []
        if not uris:
            raise NeonError("Neon created the branch but returned no connection URI (no read-write compute?)")
        owner = uris[0]["connection_uri"]
        params = uris[0].get("connection_parameters", {})
        host = params.get("host") or urlsplit(owner).hostname or ""
        pooler = params.get("pooler_host") or host.replace(".", "-pooler.", 1)
        password = self.app_password or "${TURNS_APP_PASSWORD}"
        replica = next((e["host"] for e in created.get("endpoints", []) if e.get("type") == "read_only"), None)
        return BranchUrls(
            branch=self._branch(created["branch"]),
            database_url=owner,
            pooled_url=_with_host(owner, pooler, logins.APP, password),
            replica_url=_with_host(owner, replica, logins.APP, password) if replica else None,
        )
