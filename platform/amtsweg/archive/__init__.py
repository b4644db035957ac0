"""Archiving: retention runs and the xdomea hand-off of closed cases to the archive."""
