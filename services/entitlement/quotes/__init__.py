"""Quotes (减免测算): what one blood use may be reduced by, with the reasons."""
