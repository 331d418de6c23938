"""The kinds of document a claim carries and which of them a given claim must have.

Sources: Beijing annex 4 (用血费用减免提交材料, seed 001) and the Guizhou plan (seed 000, section
三(二)): ID front and back, the hospital's fee list and invoice, kinship proof for relatives.
Beijing adds: the user's ID when the user is not the donor, the kinship pledge (《亲属关系承诺书》,
annex 5) as an alternative to documentary proof, death proof when the donor has died, and the
agent's ID when someone files on the applicant's behalf.

The bank account is *data* in both seeds ("提供本人名下的银行账号和开户行名称", "献血者本人银行卡
号"), not a document, and Beijing orders that proof without a legal basis be dropped (精简证明材料).
So ``bank_card`` is a kind an applicant *may* upload to spare the reviewer a typo, never one a claim
must have.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Literal

KinshipEvidence = Literal["document", "pledge"]


class DocumentKind(StrEnum):
    """Declared in the order of annex 4's rows: identity, fee papers, payment, agent."""

    DONOR_ID_FRONT = "donor_id_front"
    DONOR_ID_BACK = "donor_id_back"
    BENEFICIARY_ID_FRONT = "beneficiary_id_front"
    BENEFICIARY_ID_BACK = "beneficiary_id_back"
    OTHER_DONOR_IDS = "other_donor_ids"
    KINSHIP_PROOF = "kinship_proof"
    KINSHIP_PLEDGE = "kinship_pledge"
    FEE_LIST = "fee_list"
    INVOICE = "invoice"
    BANK_CARD = "bank_card"
    DEATH_PROOF = "death_proof"
    AGENT_ID = "agent_id"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS: Mapping[DocumentKind, str] = {
    DocumentKind.DONOR_ID_FRONT: "献血者身份证件（人像面）",
    DocumentKind.DONOR_ID_BACK: "献血者身份证件（国徽面）",
    DocumentKind.BENEFICIARY_ID_FRONT: "用血者身份证件（人像面）",
    DocumentKind.BENEFICIARY_ID_BACK: "用血者身份证件（国徽面）",
    DocumentKind.OTHER_DONOR_IDS: "其他献血者身份证件（每人正反面，可合成一张）",
    DocumentKind.KINSHIP_PROOF: "亲属关系证明材料（户口本、结婚证、出生证明等）",
    DocumentKind.KINSHIP_PLEDGE: "亲属关系承诺书（签字）",
    DocumentKind.FEE_LIST: "用血费用清单（明细单）",
    DocumentKind.INVOICE: "医疗收费票据（发票）",
    DocumentKind.BANK_CARD: "银行卡",
    DocumentKind.DEATH_PROOF: "献血者已故证明",
    DocumentKind.AGENT_ID: "代办人身份证明",
}

_ORDER = {kind: position for position, kind in enumerate(DocumentKind)}


def required_documents(
    *,
    relationship: str,
    kinship_evidence: KinshipEvidence | None,
    has_agent: bool,
    donor_deceased: bool,
    additional_donors: int = 0,
    additional_relatives: bool = False,
) -> list[DocumentKind]:
    """The documents a claim must carry, in declaration order.

    ``relationship`` is the user's relationship to the donor (``"self"`` or a relative, as the
    rule set names it); ``kinship_evidence`` says how a relative proves it and must be ``None``
    for the donor's own claim. A deceased donor's money goes to a relative's account: that is
    account data, so only the death proof is added here.

    Further donors named for the same bill (DOMAIN 6.1) add their IDs; when any of them is a
    relative of the user, the kinship evidence covers that relationship too (the pledge form names
    each donor).
    """
    if not relationship:
        raise ValueError("relationship is required")
    own_claim = relationship == "self" and not additional_relatives
    if own_claim and kinship_evidence is not None:
        raise ValueError("kinship evidence applies only when the user is a relative of the donor")
    if not own_claim and kinship_evidence not in ("document", "pledge"):
        raise ValueError("a relative's claim needs kinship_evidence 'document' or 'pledge'")

    kinds = {DocumentKind.DONOR_ID_FRONT, DocumentKind.DONOR_ID_BACK}
    kinds |= {DocumentKind.FEE_LIST, DocumentKind.INVOICE}
    if additional_donors:
        kinds.add(DocumentKind.OTHER_DONOR_IDS)
    if relationship != "self":
        kinds |= {DocumentKind.BENEFICIARY_ID_FRONT, DocumentKind.BENEFICIARY_ID_BACK}
    if not own_claim:
        kinds.add(
            DocumentKind.KINSHIP_PROOF
            if kinship_evidence == "document"
            else DocumentKind.KINSHIP_PLEDGE
        )
    if donor_deceased:
        kinds.add(DocumentKind.DEATH_PROOF)
    if has_agent:
        kinds.add(DocumentKind.AGENT_ID)
    return sorted(kinds, key=_ORDER.__getitem__)


def missing_documents(
    required: Iterable[DocumentKind], present_kinds: Iterable[DocumentKind]
) -> list[DocumentKind]:
    """The required kinds not among ``present_kinds``, in the order ``required`` lists them."""
    present = set(present_kinds)
    return [kind for kind in required if kind not in present]
