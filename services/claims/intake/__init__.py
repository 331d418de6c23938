"""Claim intake (报销申请) on every channel: draft, documents, submit."""
