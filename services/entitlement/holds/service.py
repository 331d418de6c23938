"""Reserve, consume and return quota. Every change to a donor's pools runs under that donor's
row lock, so two claims racing for the last millilitre cannot both get it."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.crypto import BlindIndex, FieldCipher
from kit.identity import Caller
from kit.problems import Conflict, NotFound, Problem
from services.entitlement import rules
from services.entitlement.holds import repository
from services.entitlement.holds.models import QUOTE_CONTEXT, Hold
from services.entitlement.holds.schemas import HoldIn, SettleIn
from services.entitlement.quotes import service as quotes
from services.entitlement.registry import repository as registry


class QuotaExhausted(Problem):
    status, slug, title = 409, "quota-exhausted", "No quota left to hold"


class HoldNotLive(Problem):
    status, slug, title = 409, "hold-not-live", "This key's hold is no longer live"


def digest(body: HoldIn) -> str:
    return hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


async def place(session: AsyncSession, key: str, body: HoldIn, *, caller: Caller,
                rule_sets: dict[str, rules.RuleSet], index: BlindIndex, cipher: FieldCipher) -> tuple[Hold, bool]:
    """(hold, created). The same key with the same body returns the first hold."""
    if (existing := await _replay(session, key, body)) is not None:
        return existing, False
    context = await quotes.quote(session, body.quote, rule_sets=rule_sets, index=index, lock=True)
    # Under the donor's lock now: a concurrent request with this key may have just finished.
    if (existing := await _replay(session, key, body)) is not None:
        return existing, False
    result = context.quote
    if result.covered_ml == 0 and not result.unlimited:
        raise QuotaExhausted(
            "额度已用完，无可预留的额度 (the pool has nothing left to hold)",
            quote=quotes.quote_out(result).model_dump(mode="json"),
        )
    hold = Hold(
        idempotency_key=key, request_digest=digest(body), donor_id=context.donor_id,
        province=context.rule_set.province, pool=result.pool, ml=result.covered_ml,
        reducible_fen=result.reducible_fen, state="held", purpose=body.purpose, reference=body.reference,
        used_on=body.quote.used_on,
        quote_encrypted=cipher.encrypt_json(
            quotes.quote_out(result, context.rule_set, body.quote).model_dump(mode="json"), context=QUOTE_CONTEXT),
        expires_at=clock.now() + timedelta(hours=body.ttl_hours) if body.ttl_hours else None,
        created_by=caller.subject,
    )
    repository.add(session, hold)
    await session.flush()
    return hold, True


async def _replay(session: AsyncSession, key: str, body: HoldIn) -> Hold | None:
    """The first hold of this key, while it still holds: a replay must never pass off an expired or
    released hold as placed (its quota may already be someone else's)."""
    existing = await repository.by_key(session, key)
    if existing is None:
        return None
    if existing.request_digest != digest(body):
        raise Conflict("Idempotency-Key was used with a different request", field="Idempotency-Key")
    lapsed = existing.state == "held" and existing.expires_at is not None and existing.expires_at <= clock.now()
    if existing.state != "held" or lapsed:
        raise HoldNotLive(f"额度预留 {key} 已{'过期' if lapsed else existing.state} (the hold is "
                          f"{'expired' if lapsed else existing.state}; place a new one under a new key)",
                          state="expired" if lapsed else existing.state)
    return existing


async def _locked(session: AsyncSession, key: str) -> Hold:
    hold = await repository.by_key(session, key)
    if hold is None:
        raise NotFound(f"no hold with idempotency key {key!r}")
    await registry.lock_donor(session, hold.donor_id)
    await repository.expire_due(session, hold.donor_id, clock.now())
    await session.refresh(hold)
    return hold


async def commit(session: AsyncSession, key: str, body: SettleIn) -> Hold:
    hold = await _locked(session, key)
    if hold.state == "committed":
        return hold  # a retried commit: same result
    if hold.state != "held":
        raise Conflict(f"hold is {hold.state}; only a live hold can be committed")
    if body.ml is not None:
        if body.ml > hold.ml:
            raise Conflict(f"cannot consume {body.ml} mL: only {hold.ml} mL are held", field="ml")
        hold.ml = body.ml
    hold.state, hold.settled_at, hold.settle_reason = "committed", clock.now(), body.reason
    return hold


async def release(session: AsyncSession, key: str, body: SettleIn) -> Hold:
    hold = await _locked(session, key)
    if hold.state in ("released", "expired"):
        return hold
    if hold.state != "held":
        raise Conflict(f"hold is {hold.state}; a committed hold is not released")
    hold.state, hold.settled_at, hold.settle_reason = "released", clock.now(), body.reason
    return hold


async def get(session: AsyncSession, key: str) -> Hold:
    hold = await repository.by_key(session, key)
    if hold is None:
        raise NotFound(f"no hold with idempotency key {key!r}")
    return hold


async def reverse(session: AsyncSession, key: str, body: SettleIn) -> Hold:
    """Undo a consumption (a refunded bill after a settled reduction): the quota comes back."""
    hold = await _locked(session, key)
    if hold.state == "reversed":
        return hold
    if hold.state != "committed":
        raise Conflict(f"hold is {hold.state}; only a committed hold is reversed")
    hold.state, hold.settled_at = "reversed", clock.now()
    hold.settle_reason = f"{hold.settle_reason or ''} | reversed: {body.reason}".strip(" |")
    return hold


def quote_of(hold: Hold, cipher: FieldCipher) -> dict[str, Any]:
    if hold.quote_encrypted is not None:
        return dict(cipher.decrypt_json(hold.quote_encrypted, context=QUOTE_CONTEXT))
    return dict(hold.quote or {})


def seal_legacy_quote(hold: Hold, cipher: FieldCipher) -> None:
    """Start-up backfill (kit.backfill): a hold from before the quote was encrypted."""
    hold.quote_encrypted = cipher.encrypt_json(hold.quote or {}, context=QUOTE_CONTEXT)
    hold.quote = None
