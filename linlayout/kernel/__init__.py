"""Kernel semantics: layouts through shape ops, reductions and scans (f1 writes the real module docstring)."""
