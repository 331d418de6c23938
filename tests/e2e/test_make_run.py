"""`make run` for real: every process on loopback ports, then a clean stop, a restart that
reuses the data, and recovery after the supervisor is SIGKILLed."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from stack.processes import free_port
from tests.e2e.running import RunningStack

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def postgres_running(pgdata: Path) -> bool:
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(proc.info["cmdline"] or []):
            return True
    return False


def postgres_stopped(pgdata: Path, timeout_s: float = 10) -> bool:
    """`pg_ctl stop -w` returns once the postmaster removed its pid file; its processes may still be
    exiting for a moment on a busy machine."""
    deadline = time.monotonic() + timeout_s
    while postgres_running(pgdata):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def wait_gone(procs: list[psutil.Process], timeout_s: float = 30) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(procs, timeout=timeout_s)
    return alive


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "var"
    yield path
    # Belt and braces: never leave a server behind, whatever the test did.
    for proc in psutil.process_iter(["name", "cmdline"]):
        if str(path) in " ".join(proc.info["cmdline"] or []):
            proc.kill()


def test_make_run_serves_stops_cleanly_and_restarts_on_the_same_data(data_dir: Path) -> None:
    port = free_port()
    first = RunningStack(data_dir, port, "first-admin-pass")
    first.wait_ready()
    with httpx.Client(base_url=first.url, timeout=10, trust_env=False) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json() == {"status": "ready"}
        assert "/ops/v1/docs" in client.get("/docs").text
        token = client.post("/ops/v1/auth/token", data={"username": "admin", "password": "first-admin-pass"})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for service in ("entitlement", "claims", "payments", "interop"):
            who = client.get(f"/ops/v1/whoami/{service}", headers=headers)
            assert who.status_code == 200, who.text
            assert who.json()["subject"] == "admin"
    assert "demo staff bj_operator" in first.output()
    children = first.descendants()
    assert len([c for c in children if "uvicorn" in " ".join(c.cmdline())]) == 5  # four services, the gateway
    assert postgres_running(data_dir / "pg")

    os.killpg(first.proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    assert first.proc.wait(timeout=60) == -signal.SIGINT, first.output()  # make reports the interrupt
    assert wait_gone(children) == []
    assert postgres_stopped(data_dir / "pg")
    assert "PostgreSQL stopped" in first.output()

    # Same data dir again: no new demo accounts, the admin password follows ADMIN_PASSWORD.
    second = RunningStack(data_dir, port, "second-admin-pass")
    second.wait_ready()
    assert "demo staff" not in second.output()
    with httpx.Client(base_url=second.url, timeout=10, trust_env=False) as client:
        ok = client.post("/ops/v1/auth/token", data={"username": "admin", "password": "second-admin-pass"})
        assert ok.status_code == 200
    second.proc.send_signal(signal.SIGTERM)  # only make: its children follow (parent-death signal)
    second.proc.wait(timeout=60)
    assert wait_gone(second.descendants() or []) == []
    assert postgres_stopped(data_dir / "pg", timeout_s=30)


def test_after_a_sigkill_the_next_run_recovers(data_dir: Path) -> None:
    port = free_port()
    first = RunningStack(data_dir, port, "admin-pass-1")
    first.wait_ready()
    children = first.descendants()
    python = [c for c in children if "stack" in " ".join(c.cmdline())]
    services = [c for c in children if "uvicorn" in " ".join(c.cmdline())]
    assert python and len(services) == 5, children
    for proc in [psutil.Process(first.proc.pid), *python]:
        proc.kill()  # SIGKILL make and the supervisor: no chance to clean up
    first.proc.wait(timeout=10)
    assert wait_gone(services) == []  # they died with their parent
    assert postgres_running(data_dir / "pg")  # left behind, to be reused

    second = RunningStack(data_dir, port, "admin-pass-2")
    second.wait_ready()
    with httpx.Client(base_url=second.url, timeout=10, trust_env=False) as client:
        ok = client.post("/ops/v1/auth/token", data={"username": "admin", "password": "admin-pass-2"})
        assert ok.status_code == 200
    os.killpg(second.proc.pid, signal.SIGINT)
    assert second.proc.wait(timeout=60) == -signal.SIGINT, second.output()
    assert "PostgreSQL stopped" in second.output()
    assert postgres_stopped(data_dir / "pg")


def test_a_taken_port_is_a_clear_message(data_dir: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = RunningStack(data_dir, port, "whatever-pass")
        assert run.proc.wait(timeout=60) != 0
    out = run.output()
    assert f"port {port} is already in use" in out
    assert "Traceback" not in out
