"""Cross-town administration on admin.<base-domain>."""
