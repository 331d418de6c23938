"""Entitlement: donation registry, province rule sets as data, quotes, holds and consumption."""
