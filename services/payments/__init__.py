"""Payments (费用结算): exactly-once disbursement to bank cards through channel adapters, with
retries, returns to the applicant for a corrected account, and daily reconciliation.

The API records what is owed; a separate worker (`python -m services.payments.worker`) sends it.
"""
