"""Review (审核): decisions on the working-day clock, with a second reviewer for large amounts."""
