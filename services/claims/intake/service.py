"""Creating claims and showing them (masked)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.callers import sees_province
from kit.crypto import BlindIndex, FieldCipher, mask_bank_account, mask_cert_number, mask_name, mask_phone
from kit.identity import Caller, person_index
from kit.problems import Forbidden, Unprocessable
from services.claims.audit import service as audit
from services.claims.documents.kinds import missing_documents, required_documents
from services.claims.intake import donors, repository, usage
from services.claims.intake.models import ACCOUNT, CERT, PHONE, Claim, ClaimDocument
from services.claims.intake.schemas import (
    ClaimIn,
    ClaimOut,
    DocumentOut,
    PayeeOut,
    PayeeRelativeOut,
    PersonIn,
    PersonOut,
    UsageIn,
)


def check_amounts_and_dates(body_invoice_issued_on: date, total_fen: int, blood_fee_fen: int,
                            used_on: date, paid_on: date, today: date, mutual_aid_fen: int = 0) -> None:
    """Checks that need no other service; run at intake and again at submit."""
    if body_invoice_issued_on > today:
        raise Unprocessable("发票开具日期不能晚于今天 (invoice issue date is in the future)", field="invoice.issued_on")
    if blood_fee_fen > total_fen:
        raise Unprocessable("输血费用不能超过发票总额 (blood fee exceeds the invoice total)", field="invoice.blood_fee_fen")
    if blood_fee_fen + mutual_aid_fen > total_fen:
        raise Unprocessable("输血费用与用血互助金之和不能超过发票总额 (blood fee and mutual aid exceed the total)",
                            field="invoice.mutual_aid_fen")
    if used_on > today:
        raise Unprocessable("用血日期不能晚于今天 (use date is in the future)", field="usage.used_on")
    if paid_on > today:
        raise Unprocessable("缴费日期不能晚于今天 (payment date is in the future)", field="usage.paid_on")
    if paid_on < used_on:
        raise Unprocessable("缴费日期不能早于用血日期 (payment before the blood use)", field="usage.paid_on")


def check_payee(account_name: str, *, donor_deceased: bool, donor_names: set[str],
                relative: dict[str, Any] | None) -> None:
    """Money goes to the donor, or for a deceased donor to the relative the claim names (DOMAIN 3)."""
    if donor_deceased:
        if not relative:
            raise Unprocessable("已故献血者的申请须指定领款亲属 (a deceased donor's claim names the relative who "
                                "is paid)", field="payee_relative")
        if account_name != relative["name"]:
            raise Unprocessable(f"收款人须为指定的领款亲属 {mask_name(relative['name'])} (the payee must be the named "
                                "relative)", field="payee.account_name")
    elif account_name not in donor_names:
        raise Unprocessable("收款人须为献血者本人 (the payee must be the donor)", field="payee.account_name")


def check_donors(body: ClaimIn) -> None:
    """Each named donor against the beneficiary and the others (the quote checks the rules)."""
    donors.check_named((body.beneficiary.cert_type, body.beneficiary.cert_number),
                       (body.donor.cert_type, body.donor.cert_number), body.additional_donors)  # type: ignore[arg-type]
    if needs_kinship(body) and body.kinship_evidence is None:
        raise Unprocessable("亲属申请须选择亲属关系证明或承诺书 (choose document or pledge)", field="kinship_evidence")


def check_postmark(channel: str, postmarked_on: date | None, today: date) -> None:
    if postmarked_on is None:
        return
    if channel != "mail":
        raise Unprocessable("只有邮寄申请登记邮戳日期 (a postmark date is for mailed claims)", field="postmarked_on")
    if postmarked_on > today:
        raise Unprocessable("邮戳日期不能晚于今天 (postmark date is in the future)", field="postmarked_on")


def _person(prefix: str, person: PersonIn, cipher: FieldCipher, persons: BlindIndex) -> dict[str, Any]:
    return {
        f"{prefix}_cert_type": person.cert_type,
        f"{prefix}_cert_encrypted": cipher.encrypt(person.cert_number, context=CERT),
        f"{prefix}_person_index": person_index(persons, person.cert_type, person.cert_number),
        f"{prefix}_cert_masked": mask_cert_number(person.cert_number),
        f"{prefix}_name": person.name,
        f"{prefix}_phone_encrypted": cipher.encrypt(person.phone, context=PHONE) if person.phone else None,
        f"{prefix}_phone_masked": mask_phone(person.phone) if person.phone else None,
    }


def fill_person_index(claim: Claim, cipher: FieldCipher, persons: BlindIndex) -> None:
    """Start-up backfill (kit.backfill): claims written before the person index existed."""
    for prefix in ("donor", "beneficiary"):
        cert_type = getattr(claim, f"{prefix}_cert_type")
        number = cipher.decrypt(getattr(claim, f"{prefix}_cert_encrypted"), context=CERT)
        setattr(claim, f"{prefix}_person_index", person_index(persons, cert_type, number))


def require_filer(body: ClaimIn, caller: Caller, persons: BlindIndex, *, partner_decides: bool = False) -> None:
    """Who may file this claim, decided before anything is stored.

    Online, the donor is the signed-in donor's bound identity: a donor files for themselves, or
    for a relative named as the beneficiary (with kinship evidence). The refusal says nothing of
    the person named, not even whether they are a donor. Staff register their own province's, and
    (`partner_decides`: a partner platform serves the donation province, so the claim is forwarded
    to it) claims for blood used in their own province.
    """
    if caller.kind == "donor":
        mine = caller.cert_index and (caller.cert_type, caller.cert_index) == (
            body.donor.cert_type, person_index(persons, body.donor.cert_type, body.donor.cert_number))
        if not mine:
            raise Forbidden("只能以本人（已绑定的献血者身份）作为献血者申请；为亲属申请时，亲属填写为用血者 "
                            "(online, the donor must be you: file for a relative as the beneficiary)",
                            field="donor.cert_number")
    elif not sees_province(caller, body.province) and not (
            partner_decides and sees_province(caller, body.usage.usage_province)):
        raise Forbidden("只能登记本省献血者的申请 (staff register claims of their own province)", field="province")


async def create(session: AsyncSession, body: ClaimIn, *, channel: str, caller: Caller,
                 cipher: FieldCipher, persons: BlindIndex, partner_decides: bool = False) -> Claim:
    require_filer(body, caller, persons, partner_decides=partner_decides)
    if body.relationship != "self" and body.kinship_evidence is None:
        raise Unprocessable("亲属申请须选择亲属关系证明或承诺书 (choose document or pledge)", field="kinship_evidence")
    if body.relationship == "self" and (body.donor.cert_type, body.donor.cert_number) != (
            body.beneficiary.cert_type, body.beneficiary.cert_number):
        raise Unprocessable("本人用血时用血者须为献血者本人 (self: beneficiary must be the donor)",
                            field="beneficiary.cert_number")
    check_donors(body)
    check_postmark(channel, body.postmarked_on, clock.today())
    check_amounts_and_dates(body.invoice.issued_on, body.invoice.total_fen, body.invoice.blood_fee_fen,
                            body.usage.used_on, body.usage.paid_on, clock.today(), body.invoice.mutual_aid_fen)
    relative = None
    if body.payee_relative is not None:
        if not body.donor_deceased:
            raise Unprocessable("领款亲属只用于已故献血者 (payee_relative is for a deceased donor only)",
                                field="payee_relative")
        r = body.payee_relative
        relative = {"name": r.name, "relationship": r.relationship, "cert_type": r.cert_type,
                    "cert_number_masked": mask_cert_number(r.cert_number),
                    "cert_encrypted": cipher.encrypt(r.cert_number, context=CERT)}
    elif body.donor_deceased:
        raise Unprocessable("已故献血者的申请须指定领款亲属 (a deceased donor's claim names the relative who is paid)",
                            field="payee_relative")
    agent = None
    if body.agent:
        agent = {"name": body.agent.name, "cert_type": body.agent.cert_type,
                 "cert_number_masked": mask_cert_number(body.agent.cert_number),
                 "cert_encrypted": cipher.encrypt(body.agent.cert_number, context=CERT),
                 "phone_masked": mask_phone(body.agent.phone),
                 "phone_encrypted": cipher.encrypt(body.agent.phone, context=PHONE)}
    claim = Claim(
        reference="",  # set from the sequence below
        province=body.province, channel=channel, status="draft",
        applicant_kind=caller.kind, applicant_subject=caller.subject,
        registered_by=caller.subject if caller.kind == "staff" else None,
        **_person("donor", body.donor, cipher, persons), **_person("beneficiary", body.beneficiary, cipher, persons),
        relationship=body.relationship,
        additional_donors=donors.stored(body.additional_donors, cipher, persons),  # type: ignore[arg-type]
        kinship_evidence=body.kinship_evidence if needs_kinship(body) else None,
        agent=agent, donor_deceased=body.donor_deceased, payee_relative=relative,
        usage_province=body.usage.usage_province, used_on=body.usage.used_on, paid_on=body.usage.paid_on,
        postmarked_on=body.postmarked_on,
        invoice_code=body.invoice.code, invoice_number=body.invoice.number,
        invoice_check_code=body.invoice.check_code, invoice_issued_on=body.invoice.issued_on,
        invoice_total_fen=body.invoice.total_fen, blood_fee_fen=body.invoice.blood_fee_fen,
        mutual_aid_fen=body.invoice.mutual_aid_fen,
        payee_account_name=body.payee.account_name,
        payee_account_encrypted=cipher.encrypt(body.payee.account_number, context=ACCOUNT),
        payee_account_masked=mask_bank_account(body.payee.account_number),
        payee_bank_name=body.payee.bank_name,
        requested_fen=body.invoice.blood_fee_fen + body.invoice.mutual_aid_fen, warnings=[], paused_days=[],
    )
    usage.seal_usage(claim, body.usage.hospital_name, [i.model_dump() for i in body.usage.items], cipher)
    await repository.add_with_reference(session, claim)
    audit.record(session, claim, caller, "created", to_status="draft", reason=f"channel {channel}")
    return claim


def needs_kinship(body: ClaimIn) -> bool:
    return donors.has_relatives(body.relationship, body.additional_donors)  # type: ignore[arg-type]


def required_for(claim: Claim) -> list[str]:
    return [k.value for k in required_documents(
        relationship=claim.relationship,
        kinship_evidence=claim.kinship_evidence,  # type: ignore[arg-type]
        has_agent=claim.agent is not None, donor_deceased=claim.donor_deceased,
        additional_donors=len(claim.additional_donors),
        additional_relatives=any(d["relationship"] != "self" for d in claim.additional_donors))]


def missing_for(claim: Claim, documents: list[ClaimDocument]) -> list[str]:
    from services.claims.documents.kinds import DocumentKind

    required = [DocumentKind(k) for k in required_for(claim)]
    return [k.value for k in missing_documents(required, {DocumentKind(d.kind) for d in documents})]


def _relative_out(relative: dict[str, Any]) -> PayeeRelativeOut:
    """Masked like every other name (the reviewer's audited unmasked view has the payee whole)."""
    return PayeeRelativeOut(name=mask_name(relative["name"]), relationship=relative["relationship"],
                            cert_type=relative["cert_type"], cert_number_masked=relative["cert_number_masked"])


def to_out(claim: Claim, documents: list[ClaimDocument], cipher: FieldCipher) -> ClaimOut:
    """The claim as every API shows it: IDs, phones, card masked; names masked (张*) too, since the
    unmasked view (audited) is where a reviewer reads them whole."""
    quote = usage.quote_of(claim, cipher)
    used = usage.usage_of(claim, cipher)
    agent = None
    if claim.agent:
        agent = {k: claim.agent.get(k) for k in ("name", "cert_type", "cert_number_masked", "phone_masked")}
    return ClaimOut(
        id=claim.id, reference=claim.reference, status=claim.status, province=claim.province,
        channel=claim.channel,
        donor=PersonOut(cert_type=claim.donor_cert_type, cert_number_masked=claim.donor_cert_masked,
                        name=mask_name(claim.donor_name), phone_masked=claim.donor_phone_masked),
        beneficiary=PersonOut(cert_type=claim.beneficiary_cert_type, cert_number_masked=claim.beneficiary_cert_masked,
                              name=mask_name(claim.beneficiary_name), phone_masked=claim.beneficiary_phone_masked),
        relationship=claim.relationship, additional_donors=donors.masked(claim),  # type: ignore[arg-type]
        kinship_evidence=claim.kinship_evidence, agent=agent, donor_deceased=claim.donor_deceased,
        payee_relative=_relative_out(claim.payee_relative) if claim.payee_relative else None,
        usage=UsageIn(hospital_name=used["hospital_name"], usage_province=claim.usage_province,
                      used_on=claim.used_on, paid_on=claim.paid_on, items=used["items"]),
        postmarked_on=claim.postmarked_on,
        invoice={"code": claim.invoice_code, "number": claim.invoice_number, "check_code": claim.invoice_check_code,
                 "issued_on": claim.invoice_issued_on.isoformat(), "total_fen": claim.invoice_total_fen,
                 "blood_fee_fen": claim.blood_fee_fen, "mutual_aid_fen": claim.mutual_aid_fen},
        payee=PayeeOut(account_name=mask_name(claim.payee_account_name),
                       account_number_masked=claim.payee_account_masked,
                       bank_name=claim.payee_bank_name),
        requested_fen=claim.requested_fen, eligible_fen=claim.eligible_fen, approved_fen=claim.approved_fen,
        paid_fen=claim.paid_fen, rule_set=quote.get("rule_set"), explanation=quote.get("explanation", []),
        donors_drawn=quote.get("donors", []), claim_deadline_on=quote.get("claim_last_day_on"),
        warnings=claim.warnings, submitted_on=claim.submitted_on, due_on=claim.due_on,
        decision_reason_code=claim.decision_reason_code, decision_note=claim.decision_note,
        approved_on=claim.approved_on, pay_due_on=claim.pay_due_on, attention_reason=claim.attention_reason,
        payment_error=claim.payment_error,
        missing_documents=missing_for(claim, documents),
        documents=[DocumentOut(id=d.id, kind=d.kind, media_type=d.media_type, size_bytes=d.size_bytes,
                               uploaded_at=d.uploaded_at) for d in documents],
        created_at=claim.created_at, forwarded_to=claim.forwarded_to, partner_reference=claim.partner_reference,
        partner_status=claim.partner_status,
    )
