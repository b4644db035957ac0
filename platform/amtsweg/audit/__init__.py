"""Append-only audit log of a town: who did what, when, from which host."""
