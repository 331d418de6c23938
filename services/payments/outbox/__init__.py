"""Payment events for the services that asked for the money, written in the same transaction as
the state change and delivered after commit, with retries, until the receiver has them."""
