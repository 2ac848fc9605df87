"""Kernel semantics: layouts followed through shape ops (``infer``), reductions and scans,
and global loads and stores (``access``)."""
