"""Browser for the browser tests: Debian's Chromium at /usr/bin/chromium, driven by Playwright.

`python -m pipeline.app.setup_browser` (run by `make install`) returns at once when Chromium is
already there; otherwise, as root on Debian, it installs the `chromium` package with apt-get.
Playwright's own browser download is never used: only packages from the distribution. Where the
browser cannot be installed it says why and exits 0, and the browser tests skip with that reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM = Path(os.environ.get("LEDGER_CHROMIUM", "/usr/bin/chromium"))
APT_PACKAGE = "chromium"
# Flags that work in a container without a display, a sandbox or a network.
LAUNCH_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage")
APT_TIMEOUT_S = 900


def chromium_version(path: Path = CHROMIUM) -> str | None:
    if not path.exists():
        return None
    try:
        done = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def unavailable_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (make install)"
    if chromium_version() is None:
        return f"no working Chromium at {CHROMIUM} (python -m pipeline.app.setup_browser installs it as root on Debian)"
    return None


def launch_args(user_data_dir: Path) -> list[str]:
    return [*LAUNCH_FLAGS, f"--user-data-dir={user_data_dir}"]


def fresh_profile() -> Path:
    return Path(tempfile.mkdtemp(prefix="ledger-chromium-"))


def _apt(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", *args], env=env, capture_output=True, text=True, timeout=APT_TIMEOUT_S)


def install() -> str:
    """Install Chromium if missing; returns what happened (never raises for a missing browser)."""
    version = chromium_version()
    if version:
        return f"browser: {version} at {CHROMIUM}"
    if shutil.which("apt-get") is None:
        return "browser: not installed (no apt-get here); browser tests will be skipped"
    if os.geteuid() != 0:
        return (f"browser: not installed (run as root: apt-get install {APT_PACKAGE}); "
                "browser tests will be skipped")
    try:
        for step in (("update", "-q"), ("install", "-y", "-q", "--no-install-recommends", APT_PACKAGE)):
            done = _apt(*step)
            if done.returncode != 0:
                tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
                return f"browser: apt-get {step[0]} failed ({tail[0]}); browser tests will be skipped"
    except subprocess.TimeoutExpired:
        return f"browser: apt-get took over {APT_TIMEOUT_S}s; browser tests will be skipped"
    version = chromium_version()
    return f"browser: installed {version}" if version else "browser: installed, but Chromium does not start"


def main() -> int:
    print(install(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
