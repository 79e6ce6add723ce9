"""Dagster as a team runs it: each deploy/ variant loaded by Dagster itself, a run on PostgreSQL read
back, the image's command serving the code location, and one refresh at a time across processes.

Every instance here is loaded with `DagsterInstance.get()`, which validates the whole file
against Dagster's instance schema and each configured class against its own. The K8s run
launcher's package is not installed (its Kubernetes client is heavy): its block is validated by
Dagster's config system against the launcher's schema kept in deploy/schemas/ (see
tests/support/dagster_config.py).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
from click.testing import CliRunner
import yaml

from pipeline.app.cli import main
from pipeline.core.paths import ROOT, Paths
from pipeline.core.session import refresh_lock
from pipeline.core.warehouse import RefreshInProgress
from pipeline.scale_out.lock import PostgresRefreshLock, select_refresh_lock
from tests.support import postgres
from tests.support.dagster_config import K8S_SCHEMA, installed_k8s_schema, validate_block

pytestmark = pytest.mark.integration
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


@dg.op
def count_quarters(context) -> int:
    context.log.info("four quarters a year")
    return 4


@dg.job
def tiny_job():
    count_quarters()


@pytest.fixture(scope="module")
def pg():
    return postgres.cluster()


def _load(tmp_path: Path, monkeypatch, config: str | dict, env: dict[str, str]) -> dg.DagsterInstance:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text(config if isinstance(config, str) else yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("LEDGER_DAGSTER_STORAGE", str(home / "storage"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return dg.DagsterInstance.get()


def test_the_default_instance_is_the_repository_sqlite_one(tmp_path, monkeypatch):
    instance = _load(tmp_path, monkeypatch, (ROOT / "dagster.yaml").read_text(encoding="utf-8"), {})
    try:
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"  # stock Dagster
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert tiny_job.execute_in_process(instance=instance).success
        assert (tmp_path / "dagster_home" / "storage").exists()
    finally:
        instance.dispose()


def test_a_run_on_the_postgresql_instance_is_read_back_by_another_instance(pg, tmp_path, monkeypatch):
    db = pg.create_database("dagster_runs")
    text = (DEPLOY / "dagster.postgres.yaml").read_text(encoding="utf-8")
    assert pg.password not in text
    writer = _load(tmp_path, monkeypatch, text, pg.dagster_env(db))
    try:
        assert type(writer.run_storage).__name__ == "PostgresRunStorage"
        assert "SCHEDULER" in writer.get_required_daemon_types()
        run_id = tiny_job.execute_in_process(instance=writer).run_id
    finally:
        writer.dispose()
    reader = dg.DagsterInstance.get()  # a new instance: its own connections, as on another machine
    try:
        run = reader.get_run_by_id(run_id)
        assert run.job_name == "tiny_job" and run.status == dg.DagsterRunStatus.SUCCESS
        events = [e.dagster_event.event_type for e in reader.all_logs(run_id) if e.dagster_event]
        assert dg.DagsterEventType.STEP_SUCCESS in events and events[-1] == dg.DagsterEventType.RUN_SUCCESS
    finally:
        reader.dispose()
    con = psycopg2.connect(**pg.conninfo(db))
    try:
        with con.cursor() as cur:
            cur.execute("SELECT pipeline_name, status FROM runs WHERE run_id = %s", [run_id])
            assert cur.fetchall() == [("tiny_job", "SUCCESS")]
    finally:
        con.close()


def test_the_docker_variant_loads_its_run_launcher(pg, tmp_path, monkeypatch):
    env = {**pg.dagster_env(pg.create_database("dagster_docker")), "LEDGER_DOCKER_NETWORK": "ledger-net"}
    instance = _load(tmp_path, monkeypatch, (DEPLOY / "dagster.docker.yaml").read_text(encoding="utf-8"), env)
    try:
        launcher = instance.run_launcher
        assert type(launcher).__name__ == "DockerRunLauncher"
        assert launcher.networks == ["ledger-net"]
        assert "DAGSTER_PG_PASSWORD" in launcher.env_vars and "AWS_SECRET_ACCESS_KEY" in launcher.env_vars
    finally:
        instance.dispose()


def test_the_k8s_variant_validates_against_the_k8s_run_launcher_schema(pg, tmp_path, monkeypatch):
    config = yaml.safe_load((DEPLOY / "dagster.k8s.yaml").read_text(encoding="utf-8"))
    block = config.pop("run_launcher")
    assert (block["module"], block["class"]) == ("dagster_k8s", "K8sRunLauncher")
    instance = _load(tmp_path, monkeypatch, config, pg.dagster_env(pg.create_database("dagster_k8s")))
    instance.dispose()  # everything but the launcher: loaded and validated by Dagster itself
    import dagster_postgres

    kept = json.loads(K8S_SCHEMA.read_text(encoding="utf-8"))
    assert kept["package"] == f"dagster-k8s {dagster_postgres.__version__}"  # the same release family
    monkeypatch.setenv("DAGSTER_K8S_JOB_NAMESPACE", "llm-ledger")
    assert validate_block(kept["schema"], block["config"]) == []
    broken = {**block["config"], "job_namespce": "typo"}
    del broken["instance_config_map"]
    errors = " ".join(validate_block(kept["schema"], broken))
    assert 'unexpected config entry "job_namespce"' in errors and '"instance_config_map"' in errors


def test_the_kept_k8s_schema_is_the_installed_one():
    live = installed_k8s_schema()
    if live is None:
        pytest.skip("dagster-k8s is not installed (the `k8s` extra); deploy/schemas/k8s_run_launcher.json "
                    "was written from dagster-k8s 0.29.27 by `python -m tests.support.dagster_config`")
    assert json.loads(K8S_SCHEMA.read_text(encoding="utf-8"))["schema"] == live


def test_no_deploy_file_or_image_holds_a_credential():
    checked = 0
    for path in [ROOT / "dagster.yaml", *DEPLOY.glob("*.yaml")]:
        text = path.read_text(encoding="utf-8")
        for key, value in _walk(yaml.safe_load(text)):
            if key in ("password", "secret", "token", "credential", "username", "access_key_id"):
                assert isinstance(value, dict) and list(value) == ["env"], f"{path.name}: {key} (use env:)"
                checked += 1
        assert not re.search(r"://[^/\s:@]+:[^@\s]+@", text), path.name
    assert checked == 6  # username and password of each of the three PostgreSQL variants
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert not re.search(r"^(ENV|ARG)\b.*(PASSWORD|SECRET|TOKEN|CREDENTIAL|ACCESS_KEY)", dockerfile, re.M | re.I)
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", ".env", ".dagster", "warehouse/*.duckdb", "warehouse/raw", "tests"} <= set(ignored)
    for source in re.findall(r"^COPY\s+(\S+)\s", dockerfile, re.M):
        assert (ROOT / source).exists(), source


def _walk(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _health(port: int) -> str:
    """The code server's answer to the standard gRPC health check (what the image's HEALTHCHECK asks)."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service="DagsterApi"),
                                                              timeout=5)
        except grpc.RpcError:
            return "UNAVAILABLE"
    return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_image_command_serves_the_code_location_and_its_schedule_starts(pg, tmp_path, monkeypatch):
    """The Dockerfile's CMD (on loopback) serves pipeline.definitions; deploy/workspace.yaml reaches it;
    starting the quarterly schedule is kept in PostgreSQL for the daemon."""
    command = json.loads(re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.M).group(1))
    port = _free_port()
    command = [str(BIN / command[0]), *["127.0.0.1" if a == "0.0.0.0" else str(port) if a == "4000" else a
                                        for a in command[1:]]]
    env = pg.dagster_env(pg.create_database("dagster_code"))
    instance = _load(tmp_path, monkeypatch, (DEPLOY / "dagster.postgres.yaml").read_text(encoding="utf-8"), env)
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text(encoding="utf-8"))
    workspace["load_from"][0]["grpc_server"].update(host="127.0.0.1", port=port)
    (tmp_path / "workspace.yaml").write_text(yaml.safe_dump(workspace), encoding="utf-8")
    server = subprocess.Popen(command, env=dict(os.environ), cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while _health(port) != "SERVING":
            assert server.poll() is None, f"the code server exited ({server.returncode})"
            assert time.monotonic() < deadline, "the code server did not serve within 240 s"
            time.sleep(1)
        started = subprocess.run([str(BIN / "dagster"), "schedule", "start", "quarterly_refresh", "-w",
                                  str(tmp_path / "workspace.yaml")], capture_output=True, text=True, timeout=180)
        assert started.returncode == 0, started.stdout + started.stderr
        states = {s.name: s.status.value for s in instance.all_instigator_state()}
        assert states.get("quarterly_refresh") == "RUNNING"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        instance.dispose()


HOLDER = """
import os, sys
from pipeline.scale_out.lock import PostgresRefreshLock, select_refresh_lock
lock = PostgresRefreshLock()
lock.acquire({"run_id": "run-held", "pid": os.getpid(), "started_at": "2026-11-28T12:00:00", "mode": "replay"})
print("held", flush=True)
sys.stdin.read()  # holds until killed
"""


def test_two_processes_cannot_both_hold_the_refresh_lock(pg, monkeypatch, tmp_path):
    env = pg.dagster_env(pg.create_database("ledger_lock"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = holder.stdout.readline()
        assert line.strip() == "held", holder.stderr.read()
        lock = select_refresh_lock(ROOT / "unused.lock")  # DAGSTER_PG_HOST is set: the PostgreSQL lock
        assert isinstance(lock, PostgresRefreshLock) and lock.is_held()
        assert lock.holder()["run_id"] == "run-held" and lock.holder()["pid"] == holder.pid
        with pytest.raises(RefreshInProgress) as refused:
            lock.acquire({"run_id": "run-second", "pid": os.getpid()})
        message = str(refused.value)
        assert f"refresh run-held (pid {holder.pid} on host {socket.gethostname()}" in message
        assert pg.password not in message and f"127.0.0.1:{pg.port}/ledger_lock" in message
        # `ledger refresh` takes the same lock: refused at once (EX_TEMPFAIL), naming the holder.
        paths = Paths(tmp_path / "warehouse", tmp_path / "exports")
        assert isinstance(refresh_lock(paths), PostgresRefreshLock)
        refused_cli = CliRunner().invoke(main, ["refresh", "--mode", "replay"], env={
            "LEDGER_WAREHOUSE_DIR": str(paths.warehouse_dir), "LEDGER_EXPORTS_DIR": str(paths.exports_dir),
            "DAGSTER_HOME": str(tmp_path), "LEDGER_DAGSTER_STORAGE": str(tmp_path / "storage")})
        assert refused_cli.exit_code == 75 and "refresh run-held" in refused_cli.output
        assert not paths.db.exists()
    finally:
        holder.kill()  # no release: the lock must go with the session
        holder.wait(timeout=30)
        holder.stdout.close()
        holder.stderr.close()
    deadline = time.monotonic() + 30
    while lock.is_held():
        assert time.monotonic() < deadline, "the dead holder's lock was not released"
        time.sleep(0.2)
    assert lock.holder() == {}  # its row is left, but no session holds the lock: not a holder
    lock.acquire({"run_id": "run-second", "pid": os.getpid()})
    try:
        assert lock.holder()["run_id"] == "run-second"
    finally:
        lock.release()
    assert not lock.is_held() and lock.holder() == {}
    monkeypatch.delenv("DAGSTER_PG_HOST")
    assert type(select_refresh_lock(ROOT / "x.lock")).__name__ == "RefreshLock"
