"""The demo donors `make run` imports are valid records (a rejected demo row would be silent)."""

from __future__ import annotations

from services.entitlement.registry.schemas import DonationRecordIn
from stack.demo import DEMO_DONORS, demo_records


def test_every_demo_record_passes_the_import_validation() -> None:
    records = demo_records()
    assert len(records) == sum(len(d.donations) for d in DEMO_DONORS)
    for record in records:
        DonationRecordIn.model_validate(record)
