"""Staff accounts (ops surface): login, roles, province, disable."""
