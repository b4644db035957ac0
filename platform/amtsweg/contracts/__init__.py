"""Per-town contract database: contracts, their terms, notice deadlines and reminders."""
