"""Tokens verified once are not checked again until they expire (kit.verified), and the gateway
reuses a caller's token for half its life: nothing valid is refused, nothing expired is taken."""

from __future__ import annotations

import pytest
import time_machine

from gateway.staff.tokens import StaffTokens
from kit import clock
from kit.identity import Caller, IdentitySigner, IdentityVerifier
from kit.problems import Unauthorized
from kit.verified import VerifiedTokens
from stack import keys as devkeys

REVIEWER = Caller(subject="li.reviewer", kind="staff", roles=["reviewer"], province="11")


@pytest.fixture(scope="module")
def keys() -> devkeys.DevKeys:
    return devkeys.generate()


def test_an_entry_is_used_only_within_the_tokens_lifetime() -> None:
    cache: VerifiedTokens[str] = VerifiedTokens(leeway_s=5)
    now = clock.epoch_s()
    cache.put("t", now, now + 60, "caller")
    assert cache.get("t") == "caller"
    assert cache.get("other") is None
    with time_machine.travel(now + 64, tick=False):  # within exp + leeway
        assert cache.get("t") == "caller"
    with time_machine.travel(now + 65, tick=False):  # exp + leeway: expired, and forgotten
        assert cache.get("t") is None
    assert len(cache) == 0
    cache.put("t", now, now + 60, "caller")
    with time_machine.travel(now - 6, tick=False):  # before iat - leeway (a clock set back)
        assert cache.get("t") is None


def test_the_least_recently_used_entry_goes_first_beyond_the_size() -> None:
    cache: VerifiedTokens[int] = VerifiedTokens(size=2)
    now = clock.epoch_s()
    cache.put("a", now, now + 60, 1)
    cache.put("b", now, now + 60, 2)
    assert cache.get("a") == 1  # a is now the most recently used
    cache.put("c", now, now + 60, 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


def test_the_gateway_reuses_a_callers_token_for_half_its_life(keys: devkeys.DevKeys) -> None:
    signer = IdentitySigner(keys.identity_private_pem, ttl_s=60)
    now = clock.epoch_s()
    with time_machine.travel(now, tick=False):
        first = signer.sign(REVIEWER)
        assert signer.sign(REVIEWER.model_copy()) == first
        other = signer.sign(REVIEWER.model_copy(update={"roles": ["reviewer", "senior_reviewer"]}))
        assert other != first  # another caller (here: other roles) never gets this token
    with time_machine.travel(now + 29, tick=False):
        assert signer.sign(REVIEWER) == first
    with time_machine.travel(now + 30, tick=False):
        assert signer.sign(REVIEWER) != first  # half its life gone: a fresh one
    with time_machine.travel(now - 10, tick=False):
        assert signer.sign(REVIEWER) != first  # the clock set back: never a token from the future


def test_a_verified_caller_token_is_refused_once_it_expires(keys: devkeys.DevKeys) -> None:
    signer = IdentitySigner(keys.identity_private_pem, ttl_s=60)
    verifier = IdentityVerifier(keys.identity_public_pem)
    now = clock.epoch_s()
    with time_machine.travel(now, tick=False):
        token = signer.sign(REVIEWER)
        assert verifier.verify(token) == REVIEWER
        assert verifier.verify(token) == REVIEWER  # from the cache: same answer
    with time_machine.travel(now + 64, tick=False):
        assert verifier.verify(token) == REVIEWER
    with time_machine.travel(now + 65, tick=False), pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token)


def test_a_token_altered_by_one_character_is_still_checked(keys: devkeys.DevKeys) -> None:
    signer = IdentitySigner(keys.identity_private_pem)
    verifier = IdentityVerifier(keys.identity_public_pem)
    token = signer.sign(REVIEWER)
    assert verifier.verify(token) == REVIEWER
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'A' if signature[-2] != 'A' else 'B'}{signature[-1]}"
    with pytest.raises(Unauthorized, match="caller token refused"):
        verifier.verify(forged)


def test_a_staff_token_once_verified_still_expires(keys: devkeys.DevKeys) -> None:
    tokens = StaffTokens(keys.identity_private_pem, ttl_s=900)
    now = clock.epoch_s()
    with time_machine.travel(now, tick=False):
        token = tokens.issue("li.reviewer", 3)
        assert tokens.subject_of(token) == ("li.reviewer", 3)
        assert tokens.subject_of(token) == ("li.reviewer", 3)
    with time_machine.travel(now + 900, tick=False), pytest.raises(Unauthorized, match="expired"):
        tokens.subject_of(token)
