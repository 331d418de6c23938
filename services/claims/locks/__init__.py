"""Soft review locks (审核锁): one reviewer acts on a claim at a time, and the others see who."""
