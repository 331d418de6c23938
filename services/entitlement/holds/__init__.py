"""Holds (额度预留) and consumption of quota pools, keyed by the caller's idempotency key."""
