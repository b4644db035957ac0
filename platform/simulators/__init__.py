"""Stand-ins for outside services, for development and tests only (never deployed)."""
