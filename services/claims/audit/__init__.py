"""Append-only audit of every change and every unmasked view (DOMAIN.md 7, 11)."""
