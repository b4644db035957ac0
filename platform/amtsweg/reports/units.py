"""Counts with their unit, in the singular or plural the number asks for (German and English)."""

from __future__ import annotations

from flask_babel import ngettext

from amtsweg.formatting import format_number


def days(count: float) -> str:
    """'1 Tag', '7 Tagen' (dative: "seit mehr als …", "in höchstens …")."""
    return ngettext("%(num)s Tag", "%(num)s Tagen", count, num=format_number(count))


def services(count: int) -> str:
    """'1 Leistung', '5 Leistungen'."""
    return ngettext("%(num)s Leistung", "%(num)s Leistungen", count, num=format_number(count))


def areas(count: int) -> str:
    """'1 Bereich', '5 Bereichen' (dative: "in …")."""
    return ngettext("%(num)s Bereich", "%(num)s Bereichen", count, num=format_number(count))


def digital_processes(count: int) -> str:
    """'1 eigenes digitales Verfahren', '5 eigene digitale Verfahren'."""
    return ngettext("%(num)s eigenes digitales Verfahren", "%(num)s eigene digitale Verfahren", count,
                    num=format_number(count))


def linked_services(count: int) -> str:
    """'1 verlinkter Dienst', '5 verlinkte Dienste'."""
    return ngettext("%(num)s verlinkter Dienst", "%(num)s verlinkte Dienste", count, num=format_number(count))


def towns(count: int) -> str:
    """'1 Kommune', '5 Kommunen'."""
    return ngettext("%(num)s Kommune", "%(num)s Kommunen", count, num=format_number(count))
