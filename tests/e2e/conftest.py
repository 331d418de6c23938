from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from stack.processes import free_port
from tests.e2e.running import RunningStack

E2E_ADMIN_PASSWORD = "e2e-admin-password"


@contextmanager
def make_run(data_dir: Path, env: dict[str, str | None] | None = None) -> Iterator[RunningStack]:
    """A real `make run` on `data_dir` (a second one on the same dir finds its data), stopped like
    Ctrl-C at the end."""
    stack = RunningStack(data_dir, free_port(), E2E_ADMIN_PASSWORD, env)
    try:
        stack.wait_ready()
        yield stack
    finally:
        if stack.proc.poll() is None:
            os.killpg(stack.proc.pid, signal.SIGINT)
            stack.proc.wait(timeout=60)


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """One real `make run` shared by a module's tests."""
    with make_run(tmp_path_factory.mktemp("stack") / "var") as stack:
        yield stack
