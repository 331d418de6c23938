"""Which errors mean "a dependency is down, retry" (503 + Retry-After) and which are bugs (500)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from kit.problems import is_unavailable


async def test_a_database_socket_that_is_gone_is_an_outage(tmp_path: Path) -> None:
    # What asyncpg meets when PostgreSQL on a unix socket is stopped: the socket file is not there.
    with pytest.raises(FileNotFoundError) as raised:
        await asyncio.open_unix_connection(str(tmp_path / ".s.PGSQL.5432"))
    assert is_unavailable(raised.value)


def test_a_refused_connection_is_an_outage() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectionRefusedError) as raised:
        socket.create_connection(("127.0.0.1", port), timeout=1)
    assert is_unavailable(raised.value)


def test_a_missing_file_of_our_own_is_a_bug_not_an_outage(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as raised:
        (tmp_path / "documents" / "ab" / "cdef").read_bytes()
    assert not is_unavailable(raised.value)
    assert not is_unavailable(TypeError("unsupported operand"))
