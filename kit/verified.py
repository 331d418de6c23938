"""Tokens already verified, with what they said, until they expire.

Checking an Ed25519 signature and parsing a JWT cost about a tenth of a quote's CPU in each
process it passes (bench/README.md), and the same bytes verify the same way every time: a token
seen before is looked up by its exact text instead. An entry is used only while the token is
within its lifetime by the rules PyJWT applies (not before `iat` minus the leeway, expired from `exp`
plus the leeway on; with whole seconds on both sides the two agree to the second), and checked in
full again outside it, so it is refused with PyJWT's own message. Nothing here
decides validity on its own: only a token that passed the full check is ever stored.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from kit import clock

T = TypeVar("T")

# Enough for every token live at once on one process (staff sessions, callers per reuse window);
# the least recently used goes first beyond it.
DEFAULT_SIZE = 8192


class VerifiedTokens(Generic[T]):
    def __init__(self, *, leeway_s: int = 0, size: int = DEFAULT_SIZE) -> None:
        self._entries: OrderedDict[str, tuple[int, int, T]] = OrderedDict()
        self._leeway_s = leeway_s
        self._size = size

    def get(self, token: str) -> T | None:
        """What the token said when it was verified, or None: never seen, or expired since."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        issued_at, expires_at, value = entry
        now = clock.epoch_s()
        if not issued_at - self._leeway_s <= now < expires_at + self._leeway_s:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return value

    def put(self, token: str, issued_at: int, expires_at: int, value: T) -> None:
        self._entries[token] = (issued_at, expires_at, value)
        self._entries.move_to_end(token)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
