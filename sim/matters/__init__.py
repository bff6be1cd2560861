"""Matters occur: every matter's random inputs drawn up front from named streams (MODEL.md 4.1)."""
