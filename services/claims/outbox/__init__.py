"""Messages to other services and to applicants, written in the same transaction as the change
that causes them, delivered after commit with retries (nothing lost when a peer is down)."""
