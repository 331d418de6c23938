from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack.processes import free_port
from tests.e2e.running import RunningStack

E2E_ADMIN_PASSWORD = "e2e-admin-password"


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """One real `make run` shared by a module's tests; stopped like Ctrl-C at the end."""
    data_dir: Path = tmp_path_factory.mktemp("stack") / "var"
    stack = RunningStack(data_dir, free_port(), E2E_ADMIN_PASSWORD)
    try:
        stack.wait_ready()
        yield stack
    finally:
        if stack.proc.poll() is None:
            os.killpg(stack.proc.pid, signal.SIGINT)
            stack.proc.wait(timeout=60)
