"""Who may see and change which claim. Every object route goes through `visible_claim`.

Donors are matched by the platform's person index (kit.identity.person_index) that the gateway
signs into their caller token: the claim keeps the same digest of its donor and beneficiary.
Staff see their own province's claims (admin: all) and the ones they registered.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from kit.callers import province_scope, sees_province
from kit.identity import Caller
from kit.problems import Forbidden, NotFound
from services.claims.intake.models import Claim

STAFF_READERS = ("admin", "station_operator", "reviewer", "senior_reviewer", "finance")
REVIEWERS = ("reviewer", "senior_reviewer")


def _is(caller: Caller, cert_type: str, index: str | None) -> bool:
    return caller.kind == "donor" and bool(caller.cert_index) and (caller.cert_type, caller.cert_index) == (
        cert_type, index)


def is_donor_of(claim: Claim, caller: Caller) -> bool:
    """The signed-in donor is this claim's donor: the one who files, changes and withdraws it online."""
    return _is(caller, claim.donor_cert_type, claim.donor_person_index)


def is_further_donor_of(claim: Claim, caller: Caller) -> bool:
    """The signed-in donor is named as a further donor on this bill (DOMAIN 6.1): they read it."""
    return any(_is(caller, d["cert_type"], d.get("person_index")) for d in claim.additional_donors)


def is_donor_or_beneficiary(claim: Claim, caller: Caller) -> bool:
    return is_donor_of(claim, caller) or _is(caller, claim.beneficiary_cert_type, claim.beneficiary_person_index)


def is_party(claim: Claim, caller: Caller) -> bool:
    """A donor sees the claims where they are the donor, a further donor or the beneficiary (their
    family's claims)."""
    return is_donor_or_beneficiary(claim, caller) or is_further_donor_of(claim, caller)


def can_read(claim: Claim, caller: Caller) -> bool:
    if caller.kind == "staff":
        if claim.registered_by == caller.subject:
            return True
        return caller.has_any(*STAFF_READERS) and sees_province(caller, claim.province)
    return is_party(claim, caller)


def visible_claim(claim: Claim | None, caller: Caller) -> Claim:
    # Someone else's claim is reported as absent, not forbidden: its existence is private too.
    if claim is None or not can_read(claim, caller):
        raise NotFound("没有这个申请 (no such claim)")
    return claim


# A staff list's province filter: admin picks one (or none: every province); everyone else sees
# their own, and another province's filter finds nothing (an empty list, no oracle), as for claims.
ProvinceQuery = Annotated[str | None, Query(pattern=r"^[0-9]{2}$", description="GB/T 2260 code (admin)")]
NOWHERE = "--"  # a province code no row has: the filter of a province the caller may not see


def listed_province(caller: Caller, asked: str | None) -> str | None:
    """The province a staff list covers (kit.callers.province_scope): None is every province."""
    scope = province_scope(caller)
    if scope is None:
        return asked
    return scope if asked in (None, scope) else NOWHERE


def can_read_documents(claim: Claim, caller: Caller) -> bool:
    """The photos (IDs, bank card, kinship papers): the claim's donor and beneficiary, the operator
    who registered it and the reviewers of its province; not a further donor (who reads the claim
    their pool is drawn for, not the filer's papers), not finance, not other stations' staff, not admin."""
    if caller.kind == "staff":
        return claim.registered_by == caller.subject or (
            caller.has_any(*REVIEWERS) and caller.province == claim.province)
    return is_donor_or_beneficiary(claim, caller)


def require_reviewer_of(claim: Claim, caller: Caller) -> None:
    if caller.kind != "staff" or not caller.has_any(*REVIEWERS):
        raise Forbidden("只有审核人员可以审核 (only reviewers decide claims)")
    if caller.province != claim.province:
        raise Forbidden("只能审核本省献血者的申请 (reviewers decide claims of their own province)")


def require_payee_editor(claim: Claim, caller: Caller) -> None:
    """A returned transfer's account is corrected by the applicant's side, or by finance of the
    claim's province working the returned-payments queue (the applicant tells them the account)."""
    if caller.kind == "staff" and caller.has_any("finance") and caller.province == claim.province:
        return
    require_applicant_side(claim, caller)


def require_applicant_side(claim: Claim, caller: Caller) -> None:
    """Changes by the applicant's side: the claim's donor online (not the beneficiary, who only
    reads), or station staff of the province, the registering operator or an admin."""
    if caller.kind == "donor" and is_donor_of(claim, caller):
        return
    if caller.kind == "staff" and (caller.has_any("admin") or claim.registered_by == caller.subject or (
            caller.has_any("station_operator") and caller.province == claim.province)):
        return
    raise Forbidden("不能修改这个申请 (you cannot change this claim)")
