"""Outbound calls to peer services, with this service's own signed identity."""
