"""Citizen pages of a town (and the member list on the bare base domain)."""
