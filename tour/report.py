"""The tour's findings as a table for the terminal and as an index.html beside the screenshots."""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from tour.browse import Shot
from tour.checks import Finding
from tour.known import KNOWN, Known, known_for


def where(findings: Iterable[Finding]) -> str:
    """The languages and widths a finding occurs at, e.g. "de 1280, en 390"."""
    return ", ".join(sorted({f"{f.language} {f.width or 'PDF'}" if f.language else "set-up step" for f in findings}))


def grouped(findings: list[Finding]) -> dict[tuple[str, str, str], list[Finding]]:
    groups: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        groups[(finding.page, finding.check, finding.excerpt)].append(finding)
    return groups


def text_report(findings: list[Finding], unavailable: list[str]) -> str:
    """New findings first (each with where it occurs), then the known ones by defect, then the
    known entries that no longer occur."""
    lines = []
    new = [f for f in findings if known_for(f) is None]
    old = [f for f in findings if known_for(f) is not None]
    lines.append(f"NEW FINDINGS: {len(grouped(new))}")
    for (page, check, excerpt), items in sorted(grouped(new).items()):
        lines.append(f"  {page} [{check}] ({where(items)}): {excerpt}")
    lines.append(f"KNOWN FINDINGS (issue 11): {len(grouped(old))}")
    for (page, check, excerpt), items in sorted(grouped(old).items()):
        entry = known_for(items[0])
        assert entry is not None
        lines.append(f"  #{entry.defect} {page} [{check}] ({where(items)}): {excerpt}")
    gone = stale(findings)
    if gone:
        lines.append("KNOWN ENTRIES THAT NO LONGER OCCUR (remove them from tour/known.py):")
        lines += [f"  #{entry.defect} {entry.page} [{entry.check}] {entry.why}" for entry in gone]
    if unavailable:
        lines.append("NOT VISITED (a service is missing): " + ", ".join(unavailable))
    return "\n".join(lines)


def stale(findings: list[Finding]) -> list[Known]:
    return [entry for entry in KNOWN if not any(entry.matches(f) for f in findings)]


def write_index(folder: Path, shots: list[Shot], pdf_shots: list[Shot], findings: list[Finding]) -> Path:
    """index.html: per page a row with its screenshots (German/English, desktop/phone) and findings."""
    by_page: dict[str, list[Shot]] = defaultdict(list)
    for shot in [*shots, *pdf_shots]:
        by_page[shot.name].append(shot)
    found: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        found[finding.page].append(finding)
    rows = []
    for name in dict.fromkeys([*(s.name for s in shots), *(s.name for s in pdf_shots), *found]):
        images = "".join(
            f'<figure><a href="{html.escape(s.file)}"><img src="{html.escape(s.file)}" loading="lazy" alt=""></a>'
            f"<figcaption>{s.language} {s.width or 'PDF'}</figcaption></figure>"
            for s in sorted(by_page[name], key=lambda s: (s.language, -s.width, s.file))
        )
        notes = "".join(
            f"<li>{'#' + str(entry.defect) + ' ' if (entry := known_for(items[0])) else '<b>NEW</b> '}"
            f"[{html.escape(check)}] ({where(items)}) {html.escape(excerpt)}</li>"
            for (_, check, excerpt), items in sorted(grouped(found[name]).items())
        )
        url = html.escape(by_page[name][0].url) if by_page[name] else ""
        rows.append(f'<section id="{html.escape(name)}"><h2>{html.escape(name)}</h2><p>{url}</p>'
                    f"<ul>{notes}</ul><div class=shots>{images}</div></section>")
    toc = "".join(f'<a href="#{html.escape(n)}">{html.escape(n)}</a> ' for n in dict.fromkeys(s.name for s in shots))
    page = f"""<!doctype html><html lang="en"><meta charset="utf-8"><title>amtsweg page tour</title>
<style>body{{font:14px sans-serif;margin:1rem}}.shots{{display:flex;gap:1rem;align-items:flex-start;flex-wrap:wrap}}
figure{{margin:0}}img{{width:320px;border:1px solid #999}}section{{border-top:2px solid #333;margin-top:1rem}}
nav a{{margin-right:.5rem}}</style>
<h1>amtsweg page tour</h1><p>{len(shots)} screenshots, {len(pdf_shots)} PDF pages, {len(findings)} findings.</p>
<nav>{toc}</nav>{''.join(rows)}</html>"""
    index = folder / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
