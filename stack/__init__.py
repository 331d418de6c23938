"""The project's CLI: run the whole system locally, migrate, seed, write contract snapshots."""
