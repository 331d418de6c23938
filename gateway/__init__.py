"""The only public entry: client (/api), staff (/ops), hospitals (/his), partners (/interop)."""
