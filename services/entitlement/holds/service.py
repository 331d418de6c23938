"""Reserve, consume and return quota. Every change to a donor's pools runs under that donor's
row lock (several donors: every one, in id order), so two claims racing for the last millilitre
cannot both get it."""

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
                rule_sets: dict[str, rules.RuleSet], index: BlindIndex, cipher: FieldCipher,
                ) -> tuple[list[Hold], bool]:
    """(hold parts, created). The same key with the same body returns the first hold."""
    if existing := await _replay(session, key, body):
        return existing, False
    context = await quotes.quote(session, body.quote, rule_sets=rule_sets, index=index, lock=True)
    # Under the donors' locks now: a concurrent request with this key may have just finished.
    if existing := await _replay(session, key, body):
        return existing, False
    quote = quotes.quote_out(context, body.quote)
    if context.bill.reducible_fen == 0:
        raise QuotaExhausted("额度已用完，无可预留的额度 (nothing left to reduce for this blood use)",
                             quote=quote.model_dump(mode="json"))
    sealed = cipher.encrypt_json(quote.model_dump(mode="json"), context=QUOTE_CONTEXT)
    # No ttl: the hold (every donor's part) lives until its owner commits or releases it.
    expires_at = clock.now() + timedelta(hours=body.ttl_hours) if body.ttl_hours else None
    # A further donor with no record here draws nothing and holds no part (quotes/service.py).
    parts = [Hold(
        idempotency_key=key, part=i, request_digest=digest(body), donor_id=donor_id,
        province=context.rule_set.province, pool=part.pool, ml=part.covered_ml, reducible_fen=part.reducible_fen,
        state="held", purpose=body.purpose, reference=body.reference, used_on=body.quote.used_on,
        quote_encrypted=sealed, expires_at=expires_at, created_by=caller.subject,
    ) for i, (donor_id, part) in enumerate(zip(context.donor_ids, context.bill.parts, strict=True))
        if donor_id is not None]
    repository.add(session, parts)
    await session.flush()
    return parts, True


async def _replay(session: AsyncSession, key: str, body: HoldIn) -> list[Hold]:
    """The first hold of this key (all its parts), while it still holds: a replay must never pass
    off an expired or released hold as placed (its quota may already be someone else's)."""
    parts = await repository.by_key(session, key)
    if not parts:
        return parts
    existing = parts[0]  # the parts change state together
    if existing.request_digest != digest(body):
        raise Conflict("Idempotency-Key was used with a different request", field="Idempotency-Key")
    lapsed = existing.state == "held" and existing.expires_at is not None and existing.expires_at <= clock.now()
    if existing.state != "held" or lapsed:
        raise HoldNotLive(f"额度预留 {key} 已{'过期' if lapsed else existing.state} (the hold is "
                          f"{'expired' if lapsed else existing.state}; place a new one under a new key)",
                          state="expired" if lapsed else existing.state)
    return parts


async def _locked(session: AsyncSession, key: str) -> list[Hold]:
    parts = await repository.by_key(session, key)
    if not parts:
        raise NotFound(f"no hold with idempotency key {key!r}")
    for donor_id in sorted({p.donor_id for p in parts}):
        await registry.lock_donor(session, donor_id)
        await repository.expire_due(session, donor_id, clock.now())
    for part in parts:
        await session.refresh(part)
    return parts


def _settle(parts: list[Hold], state: str, reason: str) -> None:
    now = clock.now()
    for part in parts:
        part.state, part.settled_at, part.settle_reason = state, now, reason


async def commit(session: AsyncSession, key: str, body: SettleIn) -> list[Hold]:
    parts = await _locked(session, key)
    state = parts[0].state
    if state == "committed":
        return parts  # a retried commit: same result
    if state != "held":
        raise Conflict(f"hold is {state}; only a live hold can be committed")
    if body.ml is not None:
        held = sum(p.ml for p in parts)
        if body.ml > held:
            raise Conflict(f"cannot consume {body.ml} mL: only {held} mL are held", field="ml")
        # Consumed in drawing order: what is not consumed returns to the last-named donors first.
        left = body.ml
        for part in parts:
            part.ml, left = min(part.ml, left), left - min(part.ml, left)
    _settle(parts, "committed", body.reason)
    return parts


async def release(session: AsyncSession, key: str, body: SettleIn) -> list[Hold]:
    parts = await _locked(session, key)
    state = parts[0].state
    if state in ("released", "expired"):
        return parts
    if state != "held":
        raise Conflict(f"hold is {state}; a committed hold is not released")
    _settle(parts, "released", body.reason)
    return parts


async def get(session: AsyncSession, key: str) -> list[Hold]:
    parts = await repository.by_key(session, key)
    if not parts:
        raise NotFound(f"no hold with idempotency key {key!r}")
    return parts


async def reverse(session: AsyncSession, key: str, body: SettleIn) -> list[Hold]:
    """Undo a consumption (a refunded bill after a settled reduction): the quota comes back."""
    parts = await _locked(session, key)
    state = parts[0].state
    if state == "reversed":
        return parts
    if state != "committed":
        raise Conflict(f"hold is {state}; only a committed hold is reversed")
    for part in parts:
        part.state, part.settled_at = "reversed", clock.now()
        part.settle_reason = f"{part.settle_reason or ''} | reversed: {body.reason}".strip(" |")
    return parts


def quote_of(hold: Hold, cipher: FieldCipher) -> dict[str, Any]:
    if hold.quote_encrypted is not None:
        return dict(cipher.decrypt_json(hold.quote_encrypted, context=QUOTE_CONTEXT))
    return dict(hold.quote or {})


def seal_legacy_quote(hold: Hold, cipher: FieldCipher) -> None:
    """Start-up backfill (kit.backfill): a hold from before the quote was encrypted."""
    hold.quote_encrypted = cipher.encrypt_json(hold.quote or {}, context=QUOTE_CONTEXT)
    hold.quote = None
