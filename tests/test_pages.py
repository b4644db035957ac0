"""What every page has: security headers, German error pages, language switch, legal pages, health."""

import shutil

import pytest
from conftest import REPOSITORY_ROOT, TOWNS, town_client
from flask import request


def test_security_headers_are_set(client_for):
    response = client_for("usingen").get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_is_sent_when_configured(client_for, app):
    app.config["HSTS_SECONDS"] = 31536000
    assert "max-age=31536000" in client_for("usingen").get("/").headers["Strict-Transport-Security"]


def test_pages_are_german_with_a_skip_link_and_landmarks(client_for):
    page = client_for("schmitten").get("/").get_data(as_text=True)
    assert '<html lang="de">' in page
    assert 'href="#inhalt"' in page and "Zum Inhalt springen" in page
    assert "<header" in page and '<main id="inhalt"' in page and "<footer" in page
    assert 'aria-label="Hauptnavigation"' in page


def test_the_language_switch_shows_english_and_keeps_the_page(client_for):
    client = client_for("schmitten")
    response = client.get("/sprache/en?weiter=/impressum")
    assert response.status_code == 302 and response.headers["Location"] == "/impressum"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Digital town hall Schmitten" in page
    assert 'lang="de"' in page and "Deutsch" in page


def test_the_language_switch_never_redirects_to_another_site(client_for):
    response = client_for("schmitten").get("/sprache/en?weiter=https://evil.example/")
    assert response.headers["Location"] == "/"
    response = client_for("schmitten").get("/sprache/en?weiter=//evil.example/")
    assert response.headers["Location"] == "/"


def test_an_unknown_language_is_404(client_for):
    assert client_for("schmitten").get("/sprache/fr").status_code == 404


def test_not_found_page_is_german_and_keeps_the_towns_branding(client_for):
    response = client_for("glashuetten").get("/gibt-es-nicht")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Seite nicht gefunden" in page and "Gemeinde Glashütten" in page


def test_too_large_requests_get_a_german_413_page(client_for, app):
    @app.post("/hochladen")
    def upload():
        return str(len(request.form))

    app.config["MAX_CONTENT_LENGTH"] = 10
    app.config["WTF_CSRF_ENABLED"] = False
    response = client_for("usingen").post("/hochladen", data={"x": "y" * 100})
    assert response.status_code == 413
    assert "Datei zu groß" in response.get_data(as_text=True)


def test_unexpected_errors_show_a_german_500_page(app, client_for):
    @app.route("/kaputt")
    def broken():
        raise RuntimeError("boom")

    response = client_for("usingen").get("/kaputt")
    assert response.status_code == 500
    assert "Interner Fehler" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["impressum", "datenschutz", "barrierefreiheit"])
@pytest.mark.parametrize("slug", TOWNS)
def test_every_town_has_its_legal_pages(client_for, slug, page):
    response = client_for(slug).get(f"/{page}")
    assert response.status_code == 200
    assert "<h2" in response.get_data(as_text=True)


def test_legal_pages_are_the_towns_own(client_for):
    usingen = client_for("usingen").get("/impressum").get_data(as_text=True)
    assert "Magistrat der Stadt Usingen" in usingen.split("<main")[1].split("</main>")[0]
    assert "Magistrat der Stadt Neu-Anspach" not in usingen


@pytest.mark.parametrize("page", ["impressum", "datenschutz", "barrierefreiheit"])
def test_an_english_legal_page_is_english_with_the_towns_details_and_says_the_german_text_is_binding(
        client_for, page):
    client = client_for("usingen")
    client.get(f"/sprache/en?weiter=/{page}")
    main = client.get(f"/{page}").get_data(as_text=True).split("<main")[1].split("</main>")[0]
    assert "This is an English translation for your information; the German version is binding." in main
    assert '<div class="legal-text">' in main and "Magistrat der Stadt Usingen" in main
    assert "Wilhelmjstraße 1" in main and "61250 Usingen" in main
    assert "Neu-Anspach" not in main and "{{" not in main
    assert "Hinweis" not in main and "Angaben" not in main
    if page == "impressum":
        assert "a local authority (a body under public law) in the district\nHochtaunuskreis, Hessen." in main


def test_a_towns_own_english_legal_text_wins_over_the_platforms(tmp_path, make_app):
    tenants = tmp_path / "tenants"
    shutil.copytree(REPOSITORY_ROOT / "tenants", tenants)
    (tenants / "usingen" / "pages" / "impressum.en.md").write_text(
        "## Publisher\n\nThe town's own English notice.\n", encoding="utf-8")
    client = town_client(make_app(tmp_path, TENANTS_DIR=str(tenants)), "usingen")
    client.get("/sprache/en?weiter=/impressum")
    main = client.get("/impressum").get_data(as_text=True).split("<main")[1].split("</main>")[0]
    assert "The town's own English notice." in main
    assert "English translation for your information" not in main


def test_a_german_legal_page_has_no_note_about_its_language(client_for):
    main = client_for("usingen").get("/datenschutz").get_data(as_text=True).split("<main")[1].split("</main>")[0]
    assert "verbindlich" not in main.split('<div class="legal-text"')[0]


def test_design_tokens_carry_the_towns_colours(client_for):
    usingen = client_for("usingen").get("/design.css")
    schmitten = client_for("schmitten").get("/design.css")
    assert usingen.mimetype == "text/css"
    assert "--kern-color-action-default" in usingen.get_data(as_text=True)
    assert usingen.get_data() != schmitten.get_data()


def test_logo_is_served_as_sandboxed_svg(client_for):
    response = client_for("usingen").get("/logo.svg")
    assert response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert b"<svg" in response.data


def test_kern_design_system_is_served(client_for):
    response = client_for("usingen").get("/static/kern/kern.min.css")
    assert response.status_code == 200
    assert b"kern-btn" in response.data


def test_healthz_reports_the_database_as_json(app):
    response = app.test_client().get("/healthz", headers={"Host": "127.0.0.1:5000"})
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok"}}


def test_healthz_reports_an_unreachable_redis_but_stays_up(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["checks"]["redis"] == "unreachable"


def test_session_cookie_is_host_only(client_for):
    client = client_for("usingen")
    client.get("/sprache/en")
    cookie = client.get_cookie("session", domain="usingen.localhost")
    assert cookie is not None
    assert cookie.domain in ("usingen.localhost", "")
    assert client.get_cookie("session", domain="schmitten.localhost") is None


def test_a_download_name_with_any_characters_cannot_break_the_header(app):
    from amtsweg.web import attachment

    with app.test_request_context():
        response = attachment(b"%PDF", "application/pdf", 'Заявление "neu".pdf')
    header = response.headers["Content-Disposition"]
    header.encode("latin-1")  # what WSGI servers require of every header
    assert header.startswith("attachment;") and "filename*=UTF-8''" in header
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("raw", ["²", "١٢", "-1", "12345678901", "", "abc"])
def test_query_numbers_that_are_no_small_ascii_number_are_ignored(raw):
    from amtsweg.web import small_int

    assert small_int(raw) is None
