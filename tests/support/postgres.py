"""A throwaway PostgreSQL cluster for the tests, one per test process, on 127.0.0.1.

It uses the server binaries of Debian's postgresql-15 package (LEDGER_PG_BIN to point
elsewhere): `initdb` into a temporary folder, then `postgres` in the foreground as a child of
the test process, asked to stop when that process ends — so a killed test run leaves no server
behind. `initdb` refuses to run as root: as root, the cluster is made and run as the
unprivileged `nobody`. Without the binaries, or without such a user, the tests that need it
skip and say why. The superuser has a password, so connections prove that credentials
passed through the environment work.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("LEDGER_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "ledger"
PASSWORD = "pg-test-Secret-7c41"
START_TIMEOUT_S = 60
_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded here: the child between fork and exec only calls it
_STATE: dict[str, object] = {}


@dataclass(frozen=True)
class PgCluster:
    host: str
    port: int
    user: str
    password: str
    root: Path

    def conninfo(self, dbname: str = "postgres") -> dict[str, str]:
        return {"host": self.host, "port": str(self.port), "user": self.user, "password": self.password,
                "dbname": dbname}

    def url(self, dbname: str, password: bool = True) -> str:
        secret = f":{self.password}" if password else ""
        return f"postgresql://{self.user}{secret}@{self.host}:{self.port}/{dbname}"

    def dagster_env(self, dbname: str) -> dict[str, str]:
        """The variables deploy/dagster.postgres.yaml reads."""
        return {"DAGSTER_PG_HOST": self.host, "DAGSTER_PG_PORT": str(self.port), "DAGSTER_PG_USERNAME": self.user,
                "DAGSTER_PG_PASSWORD": self.password, "DAGSTER_PG_DB": dbname}

    def create_database(self, name: str) -> str:
        """A new empty database (dropped first if a test made it before); its name."""
        import psycopg2

        con = psycopg2.connect(**self.conninfo())
        con.autocommit = True
        try:
            with con.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            con.close()
        return name


def unavailable_reason() -> str | None:
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "postgres").exists():
        return (f"no PostgreSQL server binaries in {PG_BIN} (Debian: apt-get install postgresql-15; "
                "or set LEDGER_PG_BIN)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("nobody")
        except KeyError:
            return "running as root and no unprivileged user `nobody` to run initdb as"
    return None


def cluster() -> PgCluster:
    """The process's cluster, started on first use; skips the calling test when it cannot run."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    if "cluster" not in _STATE:
        _STATE["cluster"] = _start()
        atexit.register(_stop)
    return _STATE["cluster"]  # type: ignore[return-value]


def _as_user() -> dict:
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam("nobody")
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _die_with_parent() -> None:
    # Runs in the child after the user switch (a credential change clears the setting).
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGINT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sweep_abandoned(max_age_s: float = 3600) -> None:
    # A killed test process cannot remove its folder; its server stopped with it (no pid file).
    for old in Path(tempfile.gettempdir()).glob("ledger-pg-*"):
        try:
            idle = time.time() - old.stat().st_mtime > max_age_s
        except OSError:
            continue
        if idle and not (old / "data" / "postmaster.pid").exists():
            shutil.rmtree(old, ignore_errors=True)


def _start() -> PgCluster:
    _sweep_abandoned()
    root = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
    who = _as_user()
    if who:
        os.chown(root, who["user"], who["group"])
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(root), "LC_ALL": "C"}
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD, encoding="utf-8")
    if who:
        os.chown(pwfile, who["user"], who["group"])
    pwfile.chmod(0o600)
    done = subprocess.run([str(PG_BIN / "initdb"), "-D", str(root / "data"), "-U", SUPERUSER, f"--pwfile={pwfile}",
                           "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "-N"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120, **who)
    pwfile.unlink()
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed ({done.returncode}): {done.stderr[-2000:]}")
    port = _free_port()
    log = open(root / "postgres.log", "wb")
    proc = subprocess.Popen(
        [str(PG_BIN / "postgres"), "-D", str(root / "data"), "-p", str(port), "-k", str(root),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
         "-c", "full_page_writes=off", "-c", "max_connections=60", "-c", "shared_buffers=32MB"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent, **who)
    _STATE.update(proc=proc, root=root, log=log)
    found = PgCluster("127.0.0.1", port, SUPERUSER, PASSWORD, root)
    _wait_ready(found, proc)
    return found


def _wait_ready(found: PgCluster, proc: subprocess.Popen) -> None:
    import psycopg2

    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"postgres exited ({proc.returncode}): "
                               + (found.root / "postgres.log").read_text(errors="replace")[-2000:])
        try:
            psycopg2.connect(connect_timeout=2, **found.conninfo()).close()
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                _stop()
                raise RuntimeError(f"postgres did not accept connections within {START_TIMEOUT_S} s") from None
            time.sleep(0.2)


def _stop() -> None:
    proc = _STATE.pop("proc", None)
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # fast shutdown: disconnects clients, no waiting for them
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log = _STATE.pop("log", None)
    if log is not None:
        log.close()
    root = _STATE.pop("root", None)
    _STATE.pop("cluster", None)
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)
