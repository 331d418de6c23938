"""`make run` as a subprocess, for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[2]


def wait_for(check: Callable[[], Any], what: str, timeout_s: float = 60) -> Any:
    """Poll until `check` returns something truthy (and return it), or fail after the deadline."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


class RunningStack:
    def __init__(self, data_dir: Path, port: int, password: str, env: dict[str, str | None] | None = None) -> None:
        """`env`: extra variables for every process; a None value removes the variable."""
        self.data_dir, self.port, self.password = data_dir, port, password
        self.log = data_dir.parent / f"run-{port}-{time.monotonic_ns()}.log"
        # A shared machine under load may need minutes to start every process.
        merged = {**os.environ, "PORT": str(port), "DATA_DIR": str(data_dir), "ADMIN_PASSWORD": password,
                  "STARTUP_TIMEOUT_S": "240", **(env or {})}
        env = {k: v for k, v in merged.items() if v is not None}
        env.pop("DATABASE_URL", None)
        self.proc = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                                     stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.url = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout_s: float = 300) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"make run exited early:\n{self.output()}"
            if "血费减免 platform is running" in self.output():
                return
            time.sleep(0.3)
        raise AssertionError(f"not ready in {timeout_s} s:\n{self.output()}")

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []


