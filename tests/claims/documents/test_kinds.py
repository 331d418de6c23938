"""Which documents a claim must carry (Beijing annex 4, Guizhou seed 000)."""

from __future__ import annotations

import pytest

from services.claims.documents.kinds import (
    LABELS,
    DocumentKind,
    missing_documents,
    required_documents,
)

K = DocumentKind


def test_every_kind_is_lower_snake_and_has_a_chinese_label() -> None:
    assert [kind.value for kind in K] == [
        "donor_id_front",
        "donor_id_back",
        "beneficiary_id_front",
        "beneficiary_id_back",
        "other_donor_ids",
        "kinship_proof",
        "kinship_pledge",
        "fee_list",
        "invoice",
        "bank_card",
        "death_proof",
        "agent_id",
    ]
    assert set(LABELS) == set(K)
    assert K.INVOICE.label == "医疗收费票据（发票）"
    assert K.KINSHIP_PLEDGE.label == "亲属关系承诺书（签字）"


def test_donor_own_claim_needs_id_fee_list_and_invoice() -> None:
    assert required_documents(
        relationship="self", kinship_evidence=None, has_agent=False, donor_deceased=False
    ) == [K.DONOR_ID_FRONT, K.DONOR_ID_BACK, K.FEE_LIST, K.INVOICE]


def test_bank_card_is_never_required_because_the_account_is_typed_data() -> None:
    for relationship, evidence in (("self", None), ("spouse", "document"), ("child", "pledge")):
        for agent in (False, True):
            for deceased in (False, True):
                kinds = required_documents(
                    relationship=relationship,
                    kinship_evidence=evidence,  # type: ignore[arg-type]
                    has_agent=agent,
                    donor_deceased=deceased,
                )
                assert K.BANK_CARD not in kinds


def test_relative_with_documentary_proof_adds_user_id_and_kinship_proof() -> None:
    assert required_documents(
        relationship="spouse", kinship_evidence="document", has_agent=False, donor_deceased=False
    ) == [
        K.DONOR_ID_FRONT,
        K.DONOR_ID_BACK,
        K.BENEFICIARY_ID_FRONT,
        K.BENEFICIARY_ID_BACK,
        K.KINSHIP_PROOF,
        K.FEE_LIST,
        K.INVOICE,
    ]


def test_relative_with_pledge_needs_the_pledge_not_the_proof() -> None:
    kinds = required_documents(
        relationship="parent", kinship_evidence="pledge", has_agent=False, donor_deceased=False
    )
    assert K.KINSHIP_PLEDGE in kinds
    assert K.KINSHIP_PROOF not in kinds
    assert K.BENEFICIARY_ID_FRONT in kinds and K.BENEFICIARY_ID_BACK in kinds


def test_agent_adds_agent_id() -> None:
    assert required_documents(
        relationship="self", kinship_evidence=None, has_agent=True, donor_deceased=False
    ) == [K.DONOR_ID_FRONT, K.DONOR_ID_BACK, K.FEE_LIST, K.INVOICE, K.AGENT_ID]


def test_deceased_donor_relative_claim_through_agent_needs_everything() -> None:
    assert required_documents(
        relationship="child", kinship_evidence="pledge", has_agent=True, donor_deceased=True
    ) == [
        K.DONOR_ID_FRONT,
        K.DONOR_ID_BACK,
        K.BENEFICIARY_ID_FRONT,
        K.BENEFICIARY_ID_BACK,
        K.KINSHIP_PLEDGE,
        K.FEE_LIST,
        K.INVOICE,
        K.DEATH_PROOF,
        K.AGENT_ID,
    ]


def test_deceased_donor_own_use_adds_death_proof() -> None:
    assert required_documents(
        relationship="self", kinship_evidence=None, has_agent=False, donor_deceased=True
    ) == [K.DONOR_ID_FRONT, K.DONOR_ID_BACK, K.FEE_LIST, K.INVOICE, K.DEATH_PROOF]


@pytest.mark.parametrize(
    ("relationship", "evidence"),
    [("spouse", None), ("self", "document"), ("self", "pledge"), ("", None), ("child", "photo")],
)
def test_inconsistent_relationship_and_evidence_is_refused(
    relationship: str, evidence: str | None
) -> None:
    with pytest.raises(ValueError):
        required_documents(
            relationship=relationship,
            kinship_evidence=evidence,  # type: ignore[arg-type]
            has_agent=False,
            donor_deceased=False,
        )


def test_missing_documents_keeps_the_required_order() -> None:
    required = required_documents(
        relationship="spouse", kinship_evidence="document", has_agent=True, donor_deceased=False
    )
    present = [K.INVOICE, K.DONOR_ID_BACK, K.BANK_CARD, K.BENEFICIARY_ID_FRONT]
    assert missing_documents(required, present) == [
        K.DONOR_ID_FRONT,
        K.BENEFICIARY_ID_BACK,
        K.KINSHIP_PROOF,
        K.FEE_LIST,
        K.AGENT_ID,
    ]


def test_nothing_missing_when_all_present_even_with_extras_and_repeats() -> None:
    required = [K.DONOR_ID_FRONT, K.DONOR_ID_BACK, K.FEE_LIST, K.INVOICE]
    present = [*required, K.INVOICE, K.BANK_CARD]
    assert missing_documents(required, iter(present)) == []


def test_several_donors_add_their_ids_and_a_relative_among_them_needs_kinship_evidence() -> None:
    """DOMAIN 6.1: the patient is a donor (self) and the spouse of another donor: the other donor's
    ID, the user's own ID as the donor, and the pledge covering the spouse relationship."""
    kinds = required_documents(relationship="self", kinship_evidence="pledge", has_agent=False,
                               donor_deceased=False, additional_donors=1, additional_relatives=True)
    assert [k.value for k in kinds] == ["donor_id_front", "donor_id_back", "other_donor_ids", "kinship_pledge",
                                        "fee_list", "invoice"]
