"""Counts with their unit, in the singular or plural the number asks for (German and English); the
number as the language writes it (``%(count)s``: Flask-Babel fills ``%(num)s`` with the bare number)."""

from __future__ import annotations

from flask_babel import ngettext

from amtsweg.formatting import format_number


def days(count: float) -> str:
    """'1 Tag', '7 Tagen', '12,5 Tagen' (dative: "seit mehr als …", "in höchstens …"); a fraction
    (a median) to one decimal, as the tables show days."""
    rounded = round(float(count), 1)
    return ngettext("%(count)s Tag", "%(count)s Tagen", rounded, count=format_number(rounded))


def services(count: int) -> str:
    """'1 Leistung', '5 Leistungen'."""
    return ngettext("%(count)s Leistung", "%(count)s Leistungen", count, count=format_number(count))


def areas(count: int) -> str:
    """'1 Bereich', '5 Bereichen' (dative: "in …")."""
    return ngettext("%(count)s Bereich", "%(count)s Bereichen", count, count=format_number(count))


def digital_processes(count: int) -> str:
    """'1 eigenes digitales Verfahren', '5 eigene digitale Verfahren'."""
    return ngettext("%(count)s eigenes digitales Verfahren", "%(count)s eigene digitale Verfahren", count,
                    count=format_number(count))


def linked_services(count: int) -> str:
    """'1 verlinkter Dienst', '5 verlinkte Dienste'."""
    return ngettext("%(count)s verlinkter Dienst", "%(count)s verlinkte Dienste", count, count=format_number(count))


def towns(count: int) -> str:
    """'1 Kommune', '5 Kommunen'."""
    return ngettext("%(count)s Kommune", "%(count)s Kommunen", count, count=format_number(count))
