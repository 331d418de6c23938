"""Forwarding of public routes to the services that own them (see routes.py)."""
