"""Continuous backup of the embedded server into an S3-compatible bucket, by Barman's cloud tools.

``TURNS_BACKUP_DIR=s3://bucket/prefix`` sends the backups to a bucket rather than a
directory, configured by the photo store's ``AWS_*`` variables (``AWS_ENDPOINT``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``, ``AWS_ALLOW_HTTP``). The
server's ``archive_command`` is ``barman-cloud-wal-archive`` (it uploads each finished
segment; a failure leaves it in ``pg_wal`` and PostgreSQL tries again), base backups are
``barman-cloud-backup``, listed by ``barman-cloud-backup-list``, pruned by
``barman-cloud-backup-delete`` and restored by ``barman-cloud-restore``; the WAL a restore
replays is fetched here in one go (see :meth:`CloudBackups._recover` for why not
``barman-cloud-wal-restore``). There is no Barman catalogue to keep: the bucket is the catalogue.

The archive command runs in the server's environment, which need not hold the
``AWS_*`` variables (``turns serve`` may start it without them): the credentials are written
to boto3's own files in a private folder beside the data (never into the data directory,
which the base backups copy into the bucket). When root runs ``turns``, the server's own user
runs these commands: the folders above this Python and the credentials are opened to it for
traversal (as the server's binaries are), the credentials handed to it.
"""

from __future__ import annotations

import gzip
import json
import os
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import obstore
from obstore.store import S3Store

from turns.db.backups import (
    SERVER,
    Backup,
    BackupError,
    Backups,
    _barman_executable,
    _segment_number,
    clear_recovery_settings,
)
from turns.db.embedded import SUPERUSER, EmbeddedPostgres, _ensure_system_user, _open_path_for, _running_as_root

WAL_FOLDER = "wal-from-bucket"
"""Beside a restored copy's ``pgdata``: the archived WAL it replays, fetched from the bucket."""


def _tool(name: str) -> str:
    return str(_barman_executable().with_name(name))


class CloudBackups(Backups):
    """Barman's cloud catalogue of one embedded server, in ``url`` (``s3://bucket[/prefix]``)."""

    def __init__(self, server: EmbeddedPostgres, url: str, state_dir: Path) -> None:
        super().__init__(server, state_dir)
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise BackupError(f"TURNS_BACKUP_DIR must be a folder or s3://bucket[/prefix], got {url!r}")
        self.url = url.rstrip("/")
        self.bucket = parts.netloc
        prefix = parts.path.strip("/")
        self.keys = f"{prefix}/{SERVER}/" if prefix else f"{SERVER}/"
        self.where = f"the bucket {self.url}"
        self.store = S3Store(self.bucket)
        self._closed: tuple[str, datetime] | None = None
        self._begin_wal: dict[str, str] = {}
        """Each listed backup's first WAL segment."""
        """The segment closed for the catalogue, and a moment before it was closed."""

    # -- the bucket --------------------------------------------------------------------
    def _options(self) -> list[str]:
        endpoint = os.environ.get("AWS_ENDPOINT", "").strip()
        return ["--cloud-provider", "aws-s3", "--addressing-style", "path"] + (
            ["--endpoint-url", endpoint] if endpoint else []
        )

    def _files(self) -> dict[str, str]:
        """The environment that points boto3 at the credentials written by :meth:`_prepare`."""
        return {
            "AWS_SHARED_CREDENTIALS_FILE": str(self.backup_dir / "aws-credentials"),
            "AWS_CONFIG_FILE": str(self.backup_dir / "aws-config"),
            "PGPASSFILE": str(self.backup_dir / "pgpass"),
        }

    def _command(self, tool: str, *args: str) -> str:
        """A cloud tool as a shell command for the server to run (its ``archive_command``)."""
        files = " ".join(f"{name}={value}" for name, value in self._files().items())
        return f"{files} {shlex.join([_tool(tool), *self._options(), *args])}"

    def _cloud(self, tool: str, *args: str, timeout: float = 3600) -> str:
        """Run a cloud tool; its failure becomes one line (the last the tool logged)."""
        env = {**os.environ, **self._files()}
        command = [_tool(tool), *self._options(), *args]
        try:
            done = subprocess.run(command, env=env, timeout=timeout, check=True, capture_output=True, text=True)
        except subprocess.CalledProcessError as exc:
            lines = (exc.stderr or exc.stdout or "").strip().splitlines()
            raise BackupError(f"{tool} failed: {lines[-1] if lines else f'exit code {exc.returncode}'}") from exc
        return done.stdout

    def _objects(self, under: str) -> list[obstore.ObjectMeta]:
        """The objects under ``keys + under``; a bucket that is missing or refuses us is one clear line."""
        try:
            return [meta for batch in obstore.list(self.store, prefix=self.keys + under) for meta in batch]
        except Exception as exc:  # obstore raises its own exception per cause; the text names it
            text = str(exc)
            if "NoSuchBucket" in text:
                raise BackupError(f"the bucket {self.bucket} does not exist (TURNS_BACKUP_DIR={self.url})") from exc
            if any(code in text for code in ("SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied", "403")):
                raise BackupError(
                    f"the bucket {self.bucket} refused the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"
                ) from exc
            raise BackupError(f"cannot reach the bucket {self.bucket}: {text.strip().splitlines()[0]}") from exc

    # -- configuration ------------------------------------------------------------------
    def archive_command(self) -> str:
        return self._command("barman-cloud-wal-archive", "--gzip", self.url, SERVER, "%p")

    def _prepare(self) -> None:
        """Check the bucket answers, then write the password and credentials files."""
        self._objects("")
        info = self.server.info()
        env = os.environ
        credentials = "".join(
            f"{key} = {env[name]}\n"
            for key, name in (
                ("aws_access_key_id", "AWS_ACCESS_KEY_ID"),
                ("aws_secret_access_key", "AWS_SECRET_ACCESS_KEY"),
                ("aws_session_token", "AWS_SESSION_TOKEN"),
            )
            if env.get(name)
        )
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        try:
            self.backup_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            files = {
                "pgpass": f"{info.host}:*:*:{SUPERUSER}:{self.server.password(SUPERUSER)}\n",
                "aws-credentials": f"[default]\n{credentials}",
                "aws-config": f"[default]\nregion = {region}\n",
            }
            for name, text in files.items():
                path = self.backup_dir / name
                path.touch(mode=0o600)
                path.write_text(text)
                if _running_as_root():  # the server's user runs the archive command
                    entry = _ensure_system_user()
                    os.chown(path, entry.pw_uid, entry.pw_gid)
            if _running_as_root():  # ... with this Python and its packages
                _open_path_for(self.backup_dir)
                for folder in {sys.prefix, sys.base_prefix}:
                    _open_path_for(Path(folder))
        except OSError as exc:
            raise BackupError(f"cannot write {self.backup_dir}: {exc}") from exc

    # -- archiving and backups -------------------------------------------------------------
    def _file_arrivals(self) -> str | None:
        """Archive the current segment: the archive then reaches the moment it was closed (which
        the bucket's upload times, in whole seconds, can put before the segment's last commit)."""
        if not self._objects("base/"):
            raise self._none_yet()
        self._prepare()
        if not self.server.is_running():
            return None
        before = datetime.now(UTC)
        closed = self._archive_current()
        self._closed = (closed, before)
        return closed

    def _archive_failure(self, segment: str, size: int) -> BackupError:
        return BackupError(
            f"the server cannot archive WAL segment {segment} into {self.url}: see `archive command failed`"
            f" in {self.server.log_file}"
        )

    def backup(self) -> Backup:
        """A base backup now, then the retention policy applied in the bucket."""
        self.enable()
        self._archive_current()
        info = self.server.info()
        self._cloud(
            "barman-cloud-backup", "--immediate-checkpoint", "-h", info.host, "-p", str(info.port),
            "-U", SUPERUSER, "-d", "postgres", self.url, SERVER, timeout=24 * 3600,
        )  # fmt: skip
        catalogue = self.catalogue()
        if not catalogue.backups:
            raise BackupError("barman-cloud-backup reported success but lists no backup")
        if len(catalogue.backups) > 1:  # retention keeps the newest: nothing to prune below two
            self._cloud(
                "barman-cloud-backup-delete", "--retention-policy", self.retention,
                "--minimum-redundancy", "1", self.url, SERVER, timeout=600,
            )  # fmt: skip
        return catalogue.backups[-1]

    def _listed(self) -> list[Backup]:
        listed = json.loads(self._cloud("barman-cloud-backup-list", "--format", "json", self.url, SERVER))
        items = sorted((i for i in listed["backups_list"] if i.get("end_time_iso")), key=lambda i: i["begin_wal"])
        self._begin_wal = {item["backup_id"]: item["begin_wal"] for item in items}
        sizes: dict[str, int] = {}
        for meta in self._objects("base/"):
            backup_id = meta["path"][len(self.keys + "base/") :].split("/")[0]
            sizes[backup_id] = sizes.get(backup_id, 0) + meta["size"]
        wal = {Path(meta["path"]).name[:24]: meta["size"] for meta in self._objects("wals/")}
        return [
            Backup(
                backup_id=item["backup_id"],
                end=datetime.fromisoformat(item["end_time_iso"]),
                size_bytes=sizes.get(item["backup_id"], 0),
                # The WAL this backup needs and the WAL after it, up to the next backup's.
                wal_bytes=sum(
                    size
                    for name, size in wal.items()
                    if item["begin_wal"] <= name and (following is None or name < following["begin_wal"])
                ),
                status=item["status"],
            )
            for item, following in zip(items, [*items[1:], None], strict=True)
        ]

    def _archived(self) -> dict[str, datetime]:
        named = ((Path(meta["path"]).name, meta["last_modified"]) for meta in self._objects("wals/"))
        found = {name[:24]: when for name, when in named if len(name.split(".")[0]) == 24 and ".backup" not in name}
        if self._closed and self._closed[0] in found:
            found[self._closed[0]] = max(found[self._closed[0]], self._closed[1])
        return found

    def _broken_wal(self) -> str:
        return ""  # a segment that does not decompress fails its fetch, with its name

    # -- restore -------------------------------------------------------------------------------
    def restore(self, into: Path, target: datetime | None = None) -> EmbeddedPostgres:
        restored = super().restore(into, target)
        shutil.rmtree(into / WAL_FOLDER, ignore_errors=True)  # replayed: the copy has its own from here
        return restored

    def _recover(self, backup_id: str, pgdata: Path, target: datetime | None) -> None:
        """The base backup by ``barman-cloud-restore``; the WAL after it fetched here, all at once.

        ``barman-cloud-wal-restore`` as the ``restore_command`` would start Python and boto3 for
        each segment (and for each file PostgreSQL looks for that is not there): seconds a
        segment, where a day's archive holds hundreds. The segments are fetched in parallel into
        a folder beside the copy instead (as ``barman recover`` copies them from its directory),
        and the ``restore_command`` copies from there."""
        self._cloud("barman-cloud-restore", self.url, SERVER, backup_id, str(pgdata), timeout=24 * 3600)
        (pgdata / "pg_wal").mkdir(mode=0o700, exist_ok=True)
        folder = pgdata.parent / WAL_FOLDER
        folder.mkdir(mode=0o700)
        first = _segment_number(self._begin_wal[backup_id])
        wanted = [
            meta["path"]
            for meta in self._objects("wals/")
            if ".history" in (name := Path(meta["path"]).name) or _segment_number(name[:24]) >= first
        ]
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda key: self._fetch(key, folder), wanted))
        settings = [f"restore_command = 'cp {folder}/%f %p'"]
        if target is not None:
            settings += [f"recovery_target_time = '{target.isoformat()}'", "recovery_target_action = 'promote'"]
        clear_recovery_settings(pgdata)  # those of a copy switched in before this backup was taken
        with open(pgdata / "postgresql.auto.conf", "a") as conf:
            conf.write("".join(f"{line}\n" for line in settings))
        (pgdata / "recovery.signal").touch()

    def _fetch(self, key: str, folder: Path) -> None:
        """One archived WAL file, uncompressed, into ``folder`` under the name PostgreSQL asks for."""
        name = Path(key).name
        data = bytes(obstore.get(self.store, key).bytes())
        if name.endswith(".gz"):
            data, name = gzip.decompress(data), name.removesuffix(".gz")
        (folder / name).write_bytes(data)
