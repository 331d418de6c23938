"""Which callers may use a service route: least privilege between our processes.

Every route of a service declares its callers with `allow(...)`: people the gateway vouches for
(staff with given roles, the signed-in donor of the client surface, a hospital's system) and/or
named peer services speaking for themselves (`services=("claims",)`). Anyone else gets 403.
`tests/test_service_callers.py` walks every route of every service and fails on one that does
not declare its callers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends

from kit.identity import Caller, CallerDep
from kit.problems import Forbidden

ANY_ROLE = frozenset({"*"})


@dataclass(frozen=True)
class CallerPolicy:
    """A FastAPI dependency that admits the callers it names and refuses every other one."""

    staff: frozenset[str] = frozenset()  # roles; ANY_ROLE: any signed-in staff member
    donor: bool = False  # the signed-in, identity-bound donor on the client surface
    hospital: bool = False  # a hospital system with client credentials (his)
    services: frozenset[str] = frozenset()  # peer services (or "gateway") calling as themselves
    anyone: bool = False  # any verified caller (diagnostics only)

    def permits(self, caller: Caller) -> bool:
        if self.anyone:
            return True
        if caller.kind == "staff":
            return bool(self.staff) and (self.staff == ANY_ROLE or caller.has_any(*self.staff))
        if caller.kind == "donor":
            return self.donor and caller.channel == "api" and bool(caller.cert_index)
        if caller.kind == "hospital":
            return self.hospital and bool(caller.hospital_code)
        if caller.kind == "system":
            return caller.subject in self.services
        return False

    def describe(self) -> str:
        if self.anyone:
            return "any verified caller"
        parts = []
        if self.staff:
            parts.append("any staff" if self.staff == ANY_ROLE else "staff: " + ", ".join(sorted(self.staff)))
        if self.donor:
            parts.append("the signed-in donor")
        if self.hospital:
            parts.append("a hospital system")
        if self.services:
            parts.append("services: " + ", ".join(sorted(self.services)))
        return "; ".join(parts) or "nobody"

    async def __call__(self, caller: CallerDep) -> Caller:  # async: no thread-pool hop per request
        if not self.permits(caller):
            who = caller.subject if caller.kind == "system" else caller.kind
            raise Forbidden(f"{who} may not call this route (allowed: {self.describe()})")
        return caller


def allow(*, staff: Iterable[str] | None = None, any_staff: bool = False, donor: bool = False,
          hospital: bool = False, services: Iterable[str] = (), anyone: bool = False) -> Any:
    """`dependencies=[allow(staff=("admin",), services=("claims",))]` on a route."""
    roles = ANY_ROLE if any_staff else frozenset(staff or ())
    return Depends(CallerPolicy(staff=roles, donor=donor, hospital=hospital, services=frozenset(services),
                                anyone=anyone))


def policy_of(dependencies: Iterable[Any]) -> CallerPolicy | None:
    """The policy among a route's dependencies (for the test that every route has one)."""
    for dependency in dependencies:
        call = getattr(dependency, "call", None) or getattr(dependency, "dependency", None)
        if isinstance(call, CallerPolicy):
            return call
    return None


def province_scope(caller: Caller) -> str | None:
    """The one province a caller works in, or None for the platform-wide (admin, peer services).

    A staff account or hospital without a province sees nothing (fails closed): accounts are
    created with one (gateway/staff), so this only guards against old or hand-made rows.
    """
    if caller.kind == "system" or (caller.kind == "staff" and caller.has_any("admin")):
        return None
    if not caller.province:
        raise Forbidden("这个账号没有所属省份 (this account has no province; ask an admin to set one)")
    return caller.province


def sees_province(caller: Caller, province: str) -> bool:
    scope = province_scope(caller)
    return scope is None or scope == province


whoami_router = APIRouter(tags=["health"])


@whoami_router.get("/v1/whoami", operation_id="whoami", summary="The caller as this service sees it (any caller)",
                   response_model=Caller, response_model_exclude_none=True, dependencies=[allow(anyone=True)])
async def whoami(caller: CallerDep) -> Caller:
    return caller
