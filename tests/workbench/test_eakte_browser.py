"""The eAkte in a real browser in one town: open it from the case page, upload a new version of a
document, see its preview, download the whole Vorgang as ZIP; axe-core finds nothing at desktop
and phone width; the same URLs on another town's host are 404."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from casefiles import PDF
from support.browser import axe_violations, describe_violations
from workbench.test_eakte_view import akte, filed_case

pytestmark = pytest.mark.browser


def png(width: int, height: int) -> bytes:
    """A grey RGB image of the size (a browser decodes it; its width tells versions apart)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# The new version of the photo, told apart from the original by its width.
WIDE_PNG = png(40, 20)


def log_in(page, live, town: str, name: str) -> None:
    page.goto(live.town_url(town, "/anmelden/entwicklung"))
    page.get_by_label("Benutzername").fill(name)
    page.get_by_label("Sachbearbeitung").check()
    page.get_by_role("button", name="Anmelden").click()


def assert_accessible(page, what: str) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        violations = axe_violations(page)
        assert violations == [], f"{what} at {width} px: {describe_violations(violations)}"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_clerk_opens_the_eakte_uploads_a_version_previews_it_and_downloads_the_zip(app, live, page, chromium):
    reference, aktenzeichen, ids = filed_case(app, {"Nachweis.pdf": PDF, "Foto.png": png(20, 20)})
    log_in(page, live, "usingen", "k.meier")
    page.goto(live.town_url("usingen", f"/sachbearbeitung/vorgang/{reference}"))

    page.get_by_role("link", name=f"Akte {aktenzeichen}").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"eAkte {aktenzeichen}"
    assert_accessible(page, "eAkte")
    page.get_by_role("link", name="Foto.png", exact=True).click()
    page.get_by_role("button", name="Auschecken").click()
    page.get_by_label("Neue Version hochladen").set_input_files(
        {"name": "Foto-neu.png", "mimeType": "image/png", "buffer": WIDE_PNG})
    page.get_by_role("button", name="Version speichern").click()

    assert "Version 2 von „Foto-neu.png“ gespeichert." in page.content()
    preview = page.get_by_role("img", name="Vorschau von Foto-neu.png")
    assert preview.evaluate("image => image.complete && image.naturalWidth") == 40
    assert_accessible(page, "document page")
    pdf_preview = f"{akte(reference)}/dokument/{ids['Nachweis.pdf']}/version/1/ansicht"
    headers = page.evaluate("url => fetch(url).then(r => [r.status, r.headers.get('content-type'), "
                            "r.headers.get('content-disposition')])", pdf_preview)
    assert headers == [200, "application/pdf", "inline; filename=Nachweis.pdf"]
    page.get_by_role("link", name=f"Zurück zur eAkte {aktenzeichen}").click()
    with page.expect_download() as started:
        page.get_by_role("link", name="Ganzen Vorgang als ZIP herunterladen").click()
    with zipfile.ZipFile(io.BytesIO(open(started.value.path(), "rb").read())) as package:
        assert package.read("02-Foto-neu.png") == WIDE_PNG and package.read("01-Nachweis.pdf") == PDF
    page.reload()
    assert "k.meier: Vorgang als ZIP heruntergeladen" in page.locator("#zugriffe + p + ol").inner_text()

    other = chromium.new_context(locale="de-DE")
    try:
        foreign = other.new_page()
        log_in(foreign, live, "schmitten", "sb-schmitten")
        photo = f"{akte(reference)}/dokument/{ids['Foto.png']}"
        for path in (akte(reference), photo, f"{photo}/version/2/ansicht", f"{akte(reference)}/vorgang.zip"):
            assert foreign.goto(live.town_url("schmitten", path)).status == 404, path
    finally:
        other.close()
