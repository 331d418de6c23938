"""What-if of a draft rule-set version over this service's real claims and reduction notices."""
