"""Clerk workbench (Sachbearbeitung): the town's case queue and case pages."""
