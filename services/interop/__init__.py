"""Interop (跨省异地减免): signed, replay-proof, idempotent exchange with other provinces' platforms.

The partner directory and keys, RFC 9421 signatures with RFC 9530 digests both ways, a nonce
store, an append-only evidence log, the partner API under `/interop/v1`, and outbound delivery
with its own outbox. Business stays where it is: entitlement answers lookups, claims owns
forwarded claims and authorisations, payments pays between provinces.
"""
