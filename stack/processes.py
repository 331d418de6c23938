"""Child processes of `make run`: started, watched, and stopped with their parent.

Each child asks the kernel for SIGTERM when its parent dies (PR_SET_PDEATHSIG), so even a
SIGKILLed supervisor leaves no orphan listening on a port.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Linux only; elsewhere a no-op (the supervisor still stops children on SIGINT/SIGTERM)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Free to listen on, as uvicorn does (SO_REUSEADDR): connections of a stopped server still in
    TIME_WAIT do not count, a listener does."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


# Ports a stack uses above the one it is given (the sandboxes and the gateway's metrics at PORT+6..9).
PORT_SPAN = 16
_LOWEST_PORT = 10000


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default
    return low, high


def free_port(host: str = "127.0.0.1", span: int = PORT_SPAN) -> int:
    """A port nobody listens on, with `span` ports after it, outside the kernel's ephemeral range.

    Not bind(0): that port lies inside the ephemeral range, and between our check and the server's
    own bind the kernel may hand the same number to an outgoing connection of any process (an
    asyncpg or httpx client beside us), which then makes the server fail with "address already in
    use". Ports below (or above) that range are never given to outgoing connections."""
    low, high = _ephemeral_range()
    ranges = [(start, stop) for start, stop in ((_LOWEST_PORT, low - span), (high + 1, 65535 - span))
              if stop - start > 100]
    rng = random.SystemRandom()
    for _ in range(200):
        if not ranges:
            break
        start, stop = rng.choice(ranges)
        port = rng.randrange(start, stop)
        if port_free(port, host):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:  # no room outside the range
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int | None = None
    ready_path: str = "/readyz"
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.argv, env={**os.environ, **self.env}, preexec_fn=die_with_parent,
            stdin=subprocess.DEVNULL,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()


def uvicorn_child(name: str, factory: str, port: int, env: dict[str, str]) -> Child:
    argv = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1",
            "--port", str(port), "--no-server-header", "--timeout-graceful-shutdown", "10"]
    return Child(name=name, argv=argv, env=env, port=port)


def stop_all(children: list[Child], grace_s: float = 12.0) -> None:
    """SIGTERM everyone, wait, then SIGKILL the stragglers; reverse start order."""
    running = [c for c in reversed(children) if c.proc and c.proc.poll() is None]
    for child in running:
        child.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
    deadline = time.monotonic() + grace_s
    for child in running:
        try:
            child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))  # type: ignore[union-attr]
        except subprocess.TimeoutExpired:
            child.proc.kill()  # type: ignore[union-attr]
            child.proc.wait()  # type: ignore[union-attr]


async def wait_ready(children: list[Child], *, timeout_s: float, check: Callable[[Child], None],
                     not_ready: Callable[[Child], Exception]) -> None:
    """Poll each child's readiness route; `check` raises when something died meanwhile."""
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
        for child in children:
            while True:
                check(child)
                try:
                    if (await client.get(child.url + child.ready_path)).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise not_ready(child)
                await asyncio.sleep(0.2)
