"""The staff accounts behind bearer tokens, kept in memory for as long as PostgreSQL says they hold.

Every staff request needs its account: a disabled account, a reset password or a sign-out ends the
account's tokens at once (token_version), on every gateway replica. Reading the account on every
request was a fifth of the gateway's CPU in a profile; keeping it cut the gateway's CPU per
forwarded quote by 40% (bench/README.md, item 15). So each replica
keeps the accounts it has read and forgets one the moment it changes:

- a trigger on `gateway.staff_users` notifies channel `CHANNEL` with the username on every insert,
  update and delete (and with "" on a truncate: forget everyone), delivered at commit to every
  replica, whichever replica or psql session made the change;
- the replica that makes a change also forgets as its transaction commits, so its own next
  request never waits for the notification;
- nothing is kept while the listening connection is down, and memory starts empty each time it is
  back (a change made in the gap was never notified to us): then every request reads, as before;
- a read that was under way when something was forgotten is not kept (`_generation`), so a
  change cannot be overtaken by an older read.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.staff import repository
from kit.identity import Caller
from kit.pg_listen import Listener

CHANNEL = "gateway_staff_users"  # the migration's trigger notifies on this channel
EVERYONE = ""  # payload of a TRUNCATE


@dataclass(frozen=True, slots=True)
class Account:
    token_version: int
    disabled: bool
    caller: Caller  # what a request by this account forwards


class StaffAccounts:
    def __init__(self, read_sessionmaker: async_sessionmaker[AsyncSession], *, max_entries: int = 4096) -> None:
        self._read_sessionmaker = read_sessionmaker
        self._max_entries = max_entries
        self._entries: OrderedDict[str, Account] = OrderedDict()
        self._generation = 0  # moves on whenever anything is forgotten
        self.trusted = False  # True only while the listening connection is up

    async def get(self, username: str) -> Account | None:
        """The account, or None: no such account."""
        if self.trusted and (account := self._entries.get(username)) is not None:
            self._entries.move_to_end(username)
            return account
        generation = self._generation
        # A short read-only session of its own: a forwarded request must not hold a connection
        # while the service answers, and no BEGIN/ROLLBACK round trips around one SELECT.
        async with self._read_sessionmaker() as session:
            row = await repository.signed_in(session, username)
        if row is None:
            return None
        account = Account(token_version=row.token_version, disabled=row.disabled_at is not None, caller=Caller(
            subject=row.username, kind="staff", roles=list(row.roles), province=row.province,
            hospital_code=row.hospital_code, channel="ops"))
        if self.trusted and generation == self._generation:
            self._entries[username] = account
            if len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return account

    def holds(self, username: str) -> bool:
        """Would the next request by `username` be answered from memory?"""
        return self.trusted and username in self._entries

    def forget(self, username: str) -> None:
        self._generation += 1
        if username == EVERYONE:
            self._entries.clear()
        else:
            self._entries.pop(username, None)

    def forget_on_commit(self, session: AsyncSession, username: str) -> None:
        """Forget `username` as soon as `session` commits its change to the account: the next request
        on this replica reads the new row, whether or not the notification has arrived yet."""
        event.listen(session.sync_session, "after_commit", lambda _session: self.forget(username), once=True)

    def trust(self, trusted: bool) -> None:
        """Listening (from now on, with an empty memory) or not (keep nothing)."""
        self._generation += 1
        self._entries.clear()
        self.trusted = trusted

    def listener(self, engine: AsyncEngine) -> Listener:
        return Listener(engine, CHANNEL, on_notify=self.forget, on_up=lambda: self.trust(True),
                        on_down=lambda: self.trust(False), application_name="gateway-staff-listener")
