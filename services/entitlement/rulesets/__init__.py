"""Province rule sets (减免规则), loaded from data files at startup."""
