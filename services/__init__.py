"""Back-end services. Each is its own FastAPI app with its own schema; none imports another."""
