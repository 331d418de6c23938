"""Payments: exactly-once disbursement through channel adapters, reconciliation."""
