"""`dagster dev` on a free loopback port, seen in headless Chromium: the asset graph lists every
asset group, and the asset checks are listed (the UI's own data for all of them, and the checks
pages of the publication asset and of a source asset). The server is stopped by its PID."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipeline.core.paths import ROOT
from pipeline.app.setup_browser import CHROMIUM, LAUNCH_FLAGS, unavailable_reason

pytestmark = [pytest.mark.browser, pytest.mark.integration,
              pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))]
DAGSTER = Path(sys.executable).parent / "dagster"
STARTUP_S = 120
CHECKS_QUERY = """{ assetNodes { assetKey { path } groupName
    assetChecksOrError { ... on AssetChecks { checks { name } } } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expected() -> tuple[set[str], dict[str, set[str]]]:
    from pipeline.definitions import defs

    groups = {spec.group_name for spec in defs.resolve_all_asset_specs()}
    checks: dict[str, set[str]] = {}
    for key in defs.resolve_asset_graph().asset_check_keys:
        checks.setdefault(key.asset_key.to_user_string(), set()).add(key.name)
    return groups, checks


@pytest.fixture
def dagster_dev(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "LEDGER_DAGSTER_STORAGE": str(home / "storage"),
           "LEDGER_WAREHOUSE_DIR": str(tmp_path / "warehouse"), "LEDGER_EXPORTS_DIR": str(tmp_path / "exports")}
    port = free_port()
    log = open(tmp_path / "dagster-dev.log", "wb")
    # A session (process group) of its own, so that the server and the daemon it starts stop together.
    proc = subprocess.Popen([str(DAGSTER), "dev", "-m", "pipeline.definitions", "-h", "127.0.0.1", "-p", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dagster dev did not come up: {(tmp_path / 'dagster-dev.log').read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()
    assert proc.returncode is not None
    with pytest.raises(OSError):  # stopped: the port no longer answers
        urllib.request.urlopen(f"{url}/server_info", timeout=2)


def test_asset_graph_lists_every_group_and_the_checks(dagster_dev, tmp_path):
    from playwright.sync_api import sync_playwright

    groups, checks = expected()
    errors: list[str] = []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=list(LAUNCH_FLAGS), headless=True,
            viewport={"width": 1600, "height": 1000})
        try:
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{dagster_dev}/asset-groups")
            page.get_by_text("Global asset lineage").first.wait_for(timeout=60_000)
            for group in sorted(groups):
                page.get_by_text(group, exact=True).first.wait_for(timeout=30_000)
            page.screenshot(path=str(tmp_path / "asset-graph.png"))
            # What the UI loaded for every asset: each check the definitions declare.
            answer = page.evaluate("""async (query) => {
                const r = await fetch('/graphql', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                                   body: JSON.stringify({query})});
                return await r.json(); }""", CHECKS_QUERY)
            listed = {"/".join(n["assetKey"]["path"]): {c["name"] for c in n["assetChecksOrError"].get("checks", [])}
                      for n in answer["data"]["assetNodes"]}
            assert {a: c for a, c in listed.items() if c} == checks
            # And on screen: the checks tab of the publication asset and of a source asset.
            for key in ("published_warehouse", "prices/openrouter"):
                page.goto(f"{dagster_dev}/assets/{key}?view=checks")
                for name in sorted(checks[key]):
                    # Long names are middle-truncated on screen; the full name is in the row.
                    page.get_by_text(name, exact=True).first.wait_for(state="attached", timeout=30_000)
            page.screenshot(path=str(tmp_path / "checks.png"))
        finally:
            context.close()
    assert errors == []
