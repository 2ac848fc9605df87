"""Scan plans (placeholder while reduce lands)."""
