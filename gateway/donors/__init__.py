"""Donor accounts of the mini-program client: WeChat login, sessions, identity binding by SMS."""
