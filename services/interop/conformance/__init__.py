"""Conformance kit for the partner API (`python -m services.interop.conformance --target URL ...`):
plays a partner platform against a target's `/interop/v1` and checks signing, replay refusal,
idempotency and the reply signatures. Our own tests run it against our own platform."""
