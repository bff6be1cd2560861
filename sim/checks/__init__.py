"""Checks before the dynamics: the capacity check, the quick check and the pre-flight estimate."""
