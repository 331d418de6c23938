"""Ports for test and bench stacks lie outside the kernel's ephemeral range.

A port from bind(0) is in that range, and before our server binds it the kernel may give the same
number to an outgoing connection (an asyncpg or httpx client of another test worker): the server
then dies with "address already in use" (seen in tests/faults once in a fresh-clone CI run)."""

from __future__ import annotations

import socket

from stack.processes import PORT_SPAN, _ephemeral_range, free_port, port_free


def test_free_ports_are_outside_the_ephemeral_range_with_room_for_the_stack() -> None:
    low, high = _ephemeral_range()
    ports = {free_port() for _ in range(50)}
    for port in ports:
        assert not low <= port <= high, (port, low, high)
        assert not low <= port + PORT_SPAN <= high, (port, low, high)
        assert port_free(port)
    assert len(ports) > 40  # random picks: two test workers seldom pick the same stack


def test_a_port_someone_listens_on_is_not_free_and_not_handed_out() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", free_port()))
        listener.listen()
        taken = listener.getsockname()[1]
        assert not port_free(taken)
        assert taken not in {free_port() for _ in range(200)}


def test_a_wider_span_keeps_every_port_of_two_stacks_out_of_the_range() -> None:
    low, high = _ephemeral_range()
    for _ in range(50):
        base = free_port(span=116)
        assert all(not low <= base + offset <= high for offset in range(117))
