"""Who may see and change which claim. Every object route goes through `visible_claim`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from kit.crypto import BlindIndex
from kit.identity import Caller
from kit.problems import Forbidden, NotFound
from services.claims.intake.models import CERT, Claim

STAFF_READERS = ("admin", "station_operator", "reviewer", "senior_reviewer", "finance")
REVIEWERS = ("reviewer", "senior_reviewer")


def is_party(claim: Claim, caller: Caller, index: BlindIndex) -> bool:
    """A donor sees claims they filed, and those where they are the donor or the beneficiary."""
    if caller.kind != "donor":
        return False
    if claim.applicant_kind == "donor" and claim.applicant_subject == caller.subject:
        return True
    if caller.cert_number and caller.cert_type:
        mine = index.digest(caller.cert_number, context=CERT)
        return (claim.donor_cert_type, claim.donor_cert_index) == (caller.cert_type, mine) or (
            claim.beneficiary_cert_type, claim.beneficiary_cert_index) == (caller.cert_type, mine)
    return False


def can_read(claim: Claim, caller: Caller, index: BlindIndex) -> bool:
    if caller.kind == "system":
        return True
    if caller.kind == "staff":
        if caller.has_any("admin") or claim.registered_by == caller.subject:
            return True
        return caller.has_any(*STAFF_READERS) and caller.province == claim.province
    return is_party(claim, caller, index)


def visible_claim(claim: Claim | None, caller: Caller, index: BlindIndex) -> Claim:
    # Someone else's claim is reported as absent, not forbidden: its existence is private too.
    if claim is None or not can_read(claim, caller, index):
        raise NotFound("没有这个申请 (no such claim)")
    return claim


# A staff list's province filter (admin only; others see their own province whatever they ask).
ProvinceQuery = Annotated[str | None, Query(pattern=r"^[0-9]{2}$", description="GB/T 2260 code (admin)")]


def province_scope(caller: Caller, asked: str | None) -> str | None:
    """The province a staff list or figure covers: admin every province (or the one asked),
    everyone else their own, never another's."""
    if caller.has_any("admin"):
        return asked
    if not caller.province or (asked and asked != caller.province):
        raise Forbidden("只能查看本省的数据 (your province only)")
    return caller.province


def require_reviewer_of(claim: Claim, caller: Caller) -> None:
    if caller.kind != "staff" or not caller.has_any(*REVIEWERS):
        raise Forbidden("只有审核人员可以审核 (only reviewers decide claims)")
    if caller.province != claim.province:
        raise Forbidden("只能审核本省献血者的申请 (reviewers decide claims of their own province)")


def require_payee_editor(claim: Claim, caller: Caller, index: BlindIndex) -> None:
    """A returned transfer's account is corrected by the applicant's side, or by finance of the
    claim's province working the returned-payments queue (the applicant tells them the account)."""
    if caller.kind == "staff" and caller.has_any("finance") and caller.province == claim.province:
        return
    require_applicant_side(claim, caller, index)


def require_applicant_side(claim: Claim, caller: Caller, index: BlindIndex) -> None:
    """Changes by the applicant's side: the donor party online, or station staff of the province."""
    if caller.kind == "donor" and is_party(claim, caller, index):
        return
    if caller.kind == "staff" and (caller.has_any("admin") or claim.registered_by == caller.subject or (
            caller.has_any("station_operator") and caller.province == claim.province)):
        return
    raise Forbidden("不能修改这个申请 (you cannot change this claim)")
