"""Donation registry (献血记录): donors and their donations, imported by blood stations."""
