"""Disbursements (付款): one per source (a claim, later a hospital settlement), paid exactly once."""
