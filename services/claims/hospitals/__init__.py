"""Hospitals that reduce blood fees at discharge (直免医院) and are refunded monthly."""
