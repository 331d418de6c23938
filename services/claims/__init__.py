"""Claims (报销): intake on every channel, documents, review with a working-day clock, audit."""
