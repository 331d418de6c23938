"""Cross-cutting code shared by every app: settings, database, errors, request ids, logging,
HTTP clients, health, identity tokens and field encryption. Never domain code."""
