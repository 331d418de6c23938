"""The donors a claim or reduction notice names: `donor` first, then any additional donors whose
pools cover what the earlier ones leave of the bill (DOMAIN 6.1). Stored encrypted and masked."""

from __future__ import annotations

from typing import Any, Protocol

from kit.crypto import BlindIndex, FieldCipher, mask_cert_number, mask_name
from kit.identity import person_index
from kit.problems import Unprocessable
from services.claims.intake.models import CERT


class NamedDonor(Protocol):
    cert_type: str
    cert_number: str
    name: str
    relationship: str


class HasDonors(Protocol):
    donor_cert_type: str
    donor_cert_encrypted: str
    additional_donors: list[dict[str, Any]]


def has_relatives(relationship: str, others: list[NamedDonor]) -> bool:
    """Whether any named donor is a relative of the user, so kinship evidence is needed."""
    return relationship != "self" or any(d.relationship != "self" for d in others)


def check_named(patient: tuple[str, str], first: tuple[str, str], others: list[NamedDonor]) -> None:
    """Each further donor against the patient and the donors before it (the quote checks the rules)."""
    seen = {first}
    for i, extra in enumerate(others):
        who, field = (extra.cert_type, extra.cert_number), f"additional_donors[{i}]"
        if who in seen:
            raise Unprocessable("同一献血者不能重复列出 (a donor is named twice)", field=f"{field}.cert_number")
        seen.add(who)
        if (extra.relationship == "self") != (who == patient):
            raise Unprocessable("用血者本人献过血时关系为本人，否则为亲属 (self exactly when the donor is the patient)",
                                field=f"{field}.relationship")


def stored(donors: list[NamedDonor], cipher: FieldCipher, persons: BlindIndex) -> list[dict[str, Any]]:
    """Encrypted and masked; `person_index` (kit.identity) lets a further donor signed in on the
    client find the claim by the index in their caller token, never by the number."""
    return [{"cert_type": d.cert_type, "cert_encrypted": cipher.encrypt(d.cert_number, context=CERT),
             "person_index": person_index(persons, d.cert_type, d.cert_number),
             "cert_masked": mask_cert_number(d.cert_number), "name": d.name, "relationship": d.relationship}
            for d in donors]


def registry_keys(case: HasDonors, cipher: FieldCipher, persons: BlindIndex) -> list[str]:
    """Every named donor as the invoice registry knows them: their person index (kit.identity)."""
    first = cipher.decrypt(case.donor_cert_encrypted, context=CERT)
    return [person_index(persons, case.donor_cert_type, first)] + [d["person_index"] for d in case.additional_donors]


def for_quote(case: HasDonors, cipher: FieldCipher) -> list[dict[str, Any]]:
    """The entitlement quote's `additional_donors`, numbers decrypted for the call only."""
    return [{"donor": {"cert_type": d["cert_type"], "cert_number": cipher.decrypt(d["cert_encrypted"], context=CERT)},
             "relationship": d["relationship"]} for d in case.additional_donors]


def masked(case: HasDonors) -> list[dict[str, str]]:
    return [{"cert_type": d["cert_type"], "cert_number_masked": d["cert_masked"], "name": mask_name(d["name"]),
             "relationship": d["relationship"]} for d in case.additional_donors]


def names(case: Any) -> set[str]:
    return {case.donor_name, *(d["name"] for d in case.additional_donors)}
