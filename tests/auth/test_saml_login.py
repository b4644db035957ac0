"""SAML login with BundID and Mein Unternehmenskonto against the local simulator, through the real
library path (pysaml2 with xmlsec1 signing, verifying, encrypting and decrypting): what a town's
service provider publishes and asks for, what a person sees and what is stored."""

from __future__ import annotations

import base64
import html
import re
import zlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from amtsweg.auth.models import CitizenAccount
from amtsweg.auth.saml.keys import KeyPair, write_key_pair
from amtsweg.auth.saml.models import CitizenLogin, SeenAssertion
from amtsweg.auth.tasks import cleanup
from amtsweg.clock import utcnow
from amtsweg.extensions import db
from amtsweg.jobs.schedule import discover
from amtsweg.tenancy import all_tenants_context
from amtsweg.tenancy.models import Tenant, TenantAlias
from auth.saml_flow import OTHER_SAML_TOWN, SAML_TOWN, finish, post_as_idp, register_towns, saml_login, start_login
from cases.applying import csrf_of
from conftest import build_app, host_client, town_client
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from defusedxml import ElementTree
from support.html_forms import only_form
from support.saml_idp import answer_at_idp

SAMLP = "{urn:oasis:names:tc:SAML:2.0:protocol}"
SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
AKDB = "{https://www.akdb.de/request/2018/09}"
BPK2 = "urn:oid:1.3.6.1.4.1.25484.494450.3"


@pytest.fixture
def app_overrides(saml_simulator, saml_keys):
    return {**saml_simulator.app_settings(), "SAML_KEY_DIR": str(saml_keys)}


@pytest.fixture
def registered(app, saml_simulator):
    register_towns(app, saml_simulator, SAML_TOWN, OTHER_SAML_TOWN)
    return app


def _stored(app):
    with app.app_context(), all_tenants_context():
        accounts = db.session.scalars(db.select(CitizenAccount)).all()
        completed = db.session.scalars(db.select(CitizenLogin).where(CitizenLogin.completed_at.is_not(None))).all()
        seen = db.session.scalars(db.select(SeenAssertion)).all()
        return accounts, completed, seen


def _request_xml(idp_url: str):
    query = parse_qs(urlsplit(idp_url).query)
    return ElementTree.fromstring(zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15)), query


# --------------------------------------------------------------------------- what the SP publishes and asks


def test_the_metadata_names_the_town_as_service_provider_with_its_keys_and_endpoints(registered, saml_keys):
    response = town_client(registered, SAML_TOWN).get("/anmelden/saml/metadata.xml")
    assert response.status_code == 200 and response.mimetype == "application/samlmetadata+xml"
    root = ElementTree.fromstring(response.data)
    assert root.get("entityID") == "http://neu-anspach.localhost/anmelden/saml/metadata.xml"
    sp = root.find(f"{MD}SPSSODescriptor")
    assert sp.get("AuthnRequestsSigned") == "true" and sp.get("WantAssertionsSigned") == "true"
    acs = sp.find(f"{MD}AssertionConsumerService")
    assert acs.get("Location") == "http://neu-anspach.localhost/anmelden/saml/acs"
    assert acs.get("Binding").endswith("HTTP-POST")
    assert sp.find(f"{MD}SingleLogoutService").get("Location") == "http://neu-anspach.localhost/anmelden/saml/slo"
    uses = sorted(descriptor.get("use") for descriptor in sp.findall(f"{MD}KeyDescriptor"))
    assert uses == ["encryption", "signing"]
    assert root.find(f"{MD}Organization/{MD}OrganizationName").text == "Stadt Neu-Anspach"


def test_a_key_rollover_publishes_both_signing_certificates_and_signs_with_the_new_one(registered, saml_keys):
    folder = saml_keys / SAML_TOWN
    old, new = (folder / "signing.crt").read_bytes(), (folder / "signing-next.crt")
    # Rollover step 2: the new pair signs, the old certificate stays published as signing-previous.crt.
    write_key_pair(KeyPair(folder / "next.key", new), "Neu-Anspach (next)")
    originals = {name: (folder / name).read_bytes() for name in ("signing.key", "signing.crt")}
    try:
        (folder / "signing-previous.crt").write_bytes(old)
        (folder / "signing.key").write_bytes((folder / "next.key").read_bytes())
        (folder / "signing.crt").write_bytes(new.read_bytes())
        new.unlink()
        metadata = town_client(registered, SAML_TOWN).get("/anmelden/saml/metadata.xml").data
        published = [c.text for c in ElementTree.fromstring(metadata).iter("{http://www.w3.org/2000/09/xmldsig#}X509Certificate")]
        pem = lambda data: "".join(data.decode().split("-----")[2].split())  # noqa: E731
        assert pem(old) in published and pem((folder / "signing.crt").read_bytes()) in published
        url = start_login(town_client(registered, SAML_TOWN))
        _, query = _request_xml(url)
        signed = urlsplit(url).query.split("&Signature=")[0].encode()
        certificate = x509.load_pem_x509_certificate((folder / "signing.crt").read_bytes())
        certificate.public_key().verify(base64.b64decode(query["Signature"][0]), signed, padding.PKCS1v15(),
                                        hashes.SHA256())
    finally:
        for name, data in originals.items():
            (folder / name).write_bytes(data)
        for name in ("signing-previous.crt", "next.key"):
            (folder / name).unlink(missing_ok=True)


def test_the_authn_request_is_signed_and_asks_for_the_minimum_level_and_the_akdb_attributes(registered, saml_keys):
    url = start_login(town_client(registered, SAML_TOWN), niveau=3)
    request, query = _request_xml(url)
    assert query["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"]
    certificate = x509.load_pem_x509_certificate((saml_keys / SAML_TOWN / "signing.crt").read_bytes())
    signed = urlsplit(url).query.split("&Signature=")[0].encode()
    certificate.public_key().verify(base64.b64decode(query["Signature"][0]), signed, padding.PKCS1v15(),
                                    hashes.SHA256())
    context = request.find(f"{SAMLP}RequestedAuthnContext")
    assert context.get("Comparison") == "minimum"
    assert context.find(f"{SAML}AuthnContextClassRef").text == "STORK-QAA-Level-3"
    akdb = request.find(f"{SAMLP}Extensions/{AKDB}AuthenticationRequest")
    assert akdb.get("Version") == "2"
    wanted = {a.get("Name"): a.get("RequiredAttribute") for a in akdb.iter(f"{AKDB}RequestedAttribute")}
    assert wanted[BPK2] == "true" and wanted["urn:oid:2.5.4.4"] == "true"
    assert wanted["urn:oid:1.2.40.0.10.2.1.1.55"] == "false"  # birth date: asked for, not required
    display = akdb.find(f"{AKDB}DisplayInformation")
    assert "Stadt Neu-Anspach" in [element.text for element in display.iter()]
    assert request.get("AssertionConsumerServiceURL") == "http://neu-anspach.localhost/anmelden/saml/acs"


def test_the_login_page_explains_the_level_and_lists_what_is_sent(registered, saml_simulator):
    response = town_client(registered, SAML_TOWN).get("/anmelden/saml/?niveau=4&weiter=/buergerkonto/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Anmelden mit BundID" in page and "Vertrauensniveau „hoch“" in page and "Online-Ausweis" in page
    assert "Geburtsdatum" in page and "Familienname (nötig)" in page
    # The button's POST is answered with a redirect to the IdP, which the page's CSP must allow.
    assert f"form-action 'self' {saml_simulator.base_url}" in response.headers["Content-Security-Policy"]


def test_the_login_page_in_english(registered):
    client = town_client(registered, SAML_TOWN)
    client.get("/sprache/en")
    page = client.get("/anmelden/saml/?niveau=3").get_data(as_text=True)
    assert "Log in with BundID" in page and "trust level" in page.lower()


def test_an_unknown_level_is_a_clear_refusal(registered):
    response = town_client(registered, SAML_TOWN).get("/anmelden/saml/?niveau=2")
    assert response.status_code == 400
    assert "Möglich sind 1 (niedrig), 3 (substanziell) und 4 (hoch)" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- accepted logins


@pytest.mark.parametrize(("person", "level", "source"), [
    ("lena-konto", "niedrig", "Benutzername und Passwort"),
    ("max-elster", "substanziell", "ELSTER-Zertifikat"),
    ("erika-eid", "hoch", "Online-Ausweis (eID)"),
])
def test_each_level_is_shown_with_its_source_on_the_account_page(registered, person, level, source):
    client = town_client(registered, SAML_TOWN)
    done = saml_login(registered, client, person)
    assert done.status_code == 302 and done.headers["Location"] == "/buergerkonto/"
    page = client.get("/buergerkonto/").get_data(as_text=True)
    assert f"Identität geprüft mit BundID: {source}, Vertrauensniveau „{level}“." in page


def test_a_login_keeps_the_confirmed_attributes_with_the_login_and_the_account(registered):
    saml_login(registered, town_client(registered, SAML_TOWN), "erika-eid", niveau=4)
    accounts, logins, seen = _stored(registered)
    assert [a.name for a in accounts] == ["Erika Mustermann"] and accounts[0].issuer == "urn:amtsweg:simulator:bundid"
    assert accounts[0].address == {"street_address": "Marktplatz 1", "postal_code": "61267", "locality": "Neu-Anspach",
                                   "country": "DE"}
    login = logins[0]
    assert (login.level, login.source, login.account_id) == (4, "eid", accounts[0].id)
    assert login.attributes["birth_date"] == "1964-08-12" and login.attributes["place_of_birth"] == "Berlin"
    assert login.attributes["nationality"] == "D"
    assert "trust_level" not in login.attributes and "proved_by" not in login.attributes
    assert len(seen) == 1


def test_an_organisation_logs_in_with_mein_unternehmenskonto(registered):
    client = town_client(registered, SAML_TOWN)
    done = saml_login(registered, client, "beispiel-bau", konto="muk")
    assert done.status_code == 302
    page = client.get("/buergerkonto/").get_data(as_text=True)
    assert "Angemeldet als Beispiel Bau GmbH." in page and "Für die Organisation handelt: Jan Muster." in page
    assert "Mein Unternehmenskonto: ELSTER-Organisationszertifikat (Mein Unternehmenskonto), Vertrauensniveau " \
           "„substanziell“" in page
    _, logins, _ = _stored(registered)
    assert logins[0].attributes["tax_number"] == "003/815/08150" and logins[0].attributes["given_name"] == "Jan"


def test_the_person_returns_to_the_page_the_login_started_from(registered):
    client = town_client(registered, SAML_TOWN)
    done = saml_login(registered, client, "erika-eid", weiter="/leistungen")
    assert done.headers["Location"] == "/leistungen"


# --------------------------------------------------------------------------- refused: nothing stored, never a 500

REFUSED = [
    ("abgelaufen", 1, 400, "Die Anmeldebestätigung ist abgelaufen."),
    ("falsche-zielgruppe", 1, 400, "für einen anderen Dienst ausgestellt"),
    ("unsigniert", 1, 400, "Signatur oder Verschlüsselung sind ungültig"),
    ("manipuliert", 1, 400, "Signatur oder Verschlüsselung sind ungültig"),
    ("unverschluesselt", 1, 400, "Signatur oder Verschlüsselung sind ungültig"),
    ("falsches-inresponseto", 1, 400, "gehört zu keiner offenen Anmeldung"),
    ("niedrigeres-niveau", 4, 403, "mindestens das Vertrauensniveau „hoch“ nötig, bestätigt wurde nur „niedrig“"),
    ("fehlendes-attribut", 1, 400, "es fehlt: Familienname"),
]


@pytest.mark.parametrize(("behaviour", "niveau", "status", "message"), REFUSED)
def test_a_bad_assertion_is_refused_with_a_clear_message_and_nothing_stored(
    registered, caplog, behaviour, niveau, status, message
):
    client = town_client(registered, SAML_TOWN)
    refused = saml_login(registered, client, "erika-eid", behaviour, niveau=niveau)
    page = refused.get_data(as_text=True)
    assert refused.status_code == status, page[:2000]
    assert "Anmeldung nicht möglich" in page and message in page
    assert "SAML login refused" in caplog.text
    accounts, logins, seen = _stored(registered)
    assert (accounts, logins, seen) == ([], [], [])
    assert "Angemeldet als" not in client.get("/buergerkonto/").get_data(as_text=True)


def test_a_lower_level_person_is_refused_where_a_higher_level_is_required(registered):
    refused = saml_login(registered, town_client(registered, SAML_TOWN), "lena-konto", niveau=3)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert "mindestens das Vertrauensniveau „substanziell“ nötig" in page
    # "Noch einmal anmelden" asks for the same level and returns to the same page.
    assert re.search(r'href="/anmelden/saml/\?[^"]*niveau=3[^"]*weiter=(/|%2F)buergerkonto(/|%2F)"', page), page
    assert _stored(registered)[0] == []


def test_a_refusal_is_explained_in_english_too(registered):
    client = town_client(registered, SAML_TOWN)
    client.get("/sprache/en")
    page = saml_login(registered, client, "erika-eid", "abgelaufen").get_data(as_text=True)
    assert "has expired" in page and "ist abgelaufen" not in page


def test_a_refusal_says_what_happened_and_what_to_do_in_one_message(registered):
    client = town_client(registered, SAML_TOWN)
    page = html.unescape(saml_login(registered, client, "erika-eid", "abgelaufen").get_data(as_text=True))
    assert "Die Anmeldebestätigung ist abgelaufen. Bitte melden Sie sich noch einmal an." in page
    client.get("/sprache/en")
    page = html.unescape(saml_login(registered, client, "erika-eid", "falsche-zielgruppe").get_data(as_text=True))
    assert "The login confirmation was issued for another service and is not valid here. Please log in again." in page


def test_a_response_posted_again_is_refused(registered):
    client = town_client(registered, SAML_TOWN)
    action, fields = answer_at_idp(start_login(client), "erika-eid")
    assert finish(client, post_as_idp(registered, action, fields)).status_code == 302
    replay = finish(town_client(registered, SAML_TOWN), post_as_idp(registered, action, fields))
    assert replay.status_code == 400 and "gehört zu keiner offenen Anmeldung" in replay.get_data(as_text=True)
    assert len(_stored(registered)[1]) == 1


def test_an_idp_resending_an_earlier_assertion_for_a_new_request_is_refused(registered):
    saml_login(registered, town_client(registered, SAML_TOWN), "erika-eid")
    replay = saml_login(registered, town_client(registered, SAML_TOWN), "erika-eid", "wiederholt")
    assert replay.status_code == 400 and "gehört zu keiner offenen Anmeldung" in replay.get_data(as_text=True)
    assert len(_stored(registered)[1]) == 1


def test_a_replay_is_refused_by_another_worker_on_the_same_database(registered, tmp_path):
    """Two app processes (gunicorn workers) share only the database: the replay store is there."""
    client = town_client(registered, SAML_TOWN)
    action, fields = answer_at_idp(start_login(client), "erika-eid")
    second_worker = build_app(tmp_path / "worker-2", **{key: registered.config[key] for key in (
        "DATABASE_URL", "MIGRATION_DATABASE_URL", "OPS_DATABASE_URL",
        "SAML_KEY_DIR", "SAML_BUNDID_METADATA", "SAML_BUNDID_FINGERPRINTS")})
    assert finish(client, post_as_idp(registered, action, fields)).status_code == 302
    replay = post_as_idp(second_worker, action, fields)
    assert replay.status_code == 303 and "fehler=unbekannt" in replay.headers["Location"]


def test_a_response_for_one_town_is_refused_by_another(registered):
    _, fields = answer_at_idp(start_login(town_client(registered, SAML_TOWN)), "erika-eid")
    other = town_client(registered, OTHER_SAML_TOWN)
    response = other.post("/anmelden/saml/acs", data=fields)
    assert response.status_code == 303 and "fehler=unbekannt" in response.headers["Location"]
    assert _stored(registered)[0] == []


def test_a_tampered_ciphertext_is_refused(registered):
    client = town_client(registered, SAML_TOWN)
    action, fields = answer_at_idp(start_login(client), "erika-eid")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    tampered = re.sub(r"(<ns\d:CipherValue>)(.{40})(.)", lambda m: m[1] + m[2] + ("A" if m[3] != "A" else "B"), xml,
                      count=2)
    assert tampered != xml
    refused = finish(client, post_as_idp(registered, action, {**fields, "SAMLResponse": base64.b64encode(
        tampered.encode()).decode()}))
    assert refused.status_code == 400
    assert "Signatur oder Verschlüsselung sind ungültig" in refused.get_data(as_text=True)
    assert _stored(registered) == ([], [], [])


@pytest.mark.parametrize("saml_response", [
    "",
    "kein base64 %%%",
    base64.b64encode(b"<nicht xml").decode(),
    base64.b64encode(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>').decode(),
    base64.b64encode(b"<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'/>").decode(),
    base64.b64encode(b"A" * 400_000).decode(),
], ids=["empty", "not-base64", "not-xml", "external-entity", "no-assertion", "huge"])
def test_garbage_at_the_assertion_consumer_is_refused_without_a_server_error(registered, saml_response):
    client = town_client(registered, SAML_TOWN)
    start_login(client)
    response = post_as_idp(registered, "http://neu-anspach.localhost/anmelden/saml/acs",
                           {"SAMLResponse": saml_response, "RelayState": "x"})
    page = finish(client, response)
    assert page.status_code in (400, 403) and "Anmeldung nicht möglich" in page.get_data(as_text=True)
    assert _stored(registered) == ([], [], [])


def test_breaking_off_at_the_idp_is_explained(registered):
    client = town_client(registered, SAML_TOWN)
    session = requests.Session()
    action, fields = only_form(session.get(start_login(client), timeout=10))
    answer = session.post(action, data={**fields, "abbrechen": "1"}, timeout=30)
    page = finish(client, post_as_idp(registered, *only_form(answer)))
    assert page.status_code == 400
    assert "hat die Anmeldung abgelehnt oder sie wurde abgebrochen" in page.get_data(as_text=True)


def test_the_result_page_without_a_login_in_progress_says_so(registered):
    client = town_client(registered, SAML_TOWN)
    for query in ("", "?fehler=unsinn"):
        page = client.get(f"/anmelden/saml/ergebnis{query}")
        assert page.status_code == 400
        assert "Die Anmeldung konnte nicht abgeschlossen werden" in page.get_data(as_text=True)


def test_the_assertion_consumer_only_accepts_post(registered):
    assert town_client(registered, SAML_TOWN).get("/anmelden/saml/acs").status_code == 405


# --------------------------------------------------------------------------- sessions bound to the town's host


def test_a_login_on_one_town_is_not_a_login_on_another(registered):
    client = town_client(registered, SAML_TOWN)
    saml_login(registered, client, "erika-eid", niveau=4)
    other = town_client(registered, OTHER_SAML_TOWN)
    other._cookies = client._cookies  # one browser, one cookie jar
    page = other.get("/buergerkonto/").get_data(as_text=True)
    assert "Angemeldet als" not in page and "Mit Nutzerkonto anmelden" in page


def test_towns_without_the_saml_login_and_other_hosts_have_no_saml_pages(registered):
    for host in ("usingen.localhost", "admin.localhost", "localhost"):
        client = host_client(registered, host)
        for path in ("/anmelden/saml/metadata.xml", "/anmelden/saml/", "/anmelden/saml/ergebnis"):
            assert client.get(path).status_code == 404, (host, path)
        assert client.post("/anmelden/saml/acs", data={"SAMLResponse": "x"}).status_code == 404


def test_without_idp_metadata_the_town_offers_no_saml_login(registered):
    registered.config["SAML_BUNDID_METADATA"] = ""
    registered.config["SAML_MUK_METADATA"] = ""
    client = town_client(registered, SAML_TOWN)
    assert client.get("/anmelden/saml/").status_code == 404
    assert client.get("/buergerkonto/").status_code == 404


def test_without_the_towns_keys_the_login_is_unavailable_not_broken(registered, caplog, tmp_path):
    registered.config["SAML_KEY_DIR"] = str(tmp_path / "no-keys")
    client = town_client(registered, SAML_TOWN)
    assert client.get("/anmelden/saml/metadata.xml").status_code == 503
    page = client.get("/anmelden/saml/")
    response = client.post("/anmelden/saml/", data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                                                    "konto": "bundid", "niveau": "1"})
    assert response.status_code == 503
    assert "Die Anmeldung ist zurzeit nicht möglich" in response.get_data(as_text=True)
    assert "SAML key files missing" in caplog.text
    acs = client.post("/anmelden/saml/acs", data={"SAMLResponse": "x"})
    assert acs.status_code == 303 and "fehler=nicht-verfuegbar" in acs.headers["Location"]


def test_metadata_whose_certificate_is_not_pinned_makes_the_login_unavailable(registered, caplog):
    registered.config["SAML_BUNDID_FINGERPRINTS"] = ["00" * 32]
    response = town_client(registered, SAML_TOWN).get("/anmelden/saml/")
    assert response.status_code == 503
    assert "Die Anmeldung ist zurzeit nicht möglich" in response.get_data(as_text=True)
    assert "which is not pinned" in caplog.text


# --------------------------------------------------------------------------- logout


def test_logout_ends_the_session_even_for_a_copied_cookie_and_leaves_the_idp_too(registered, saml_simulator):
    client = town_client(registered, SAML_TOWN)
    saml_login(registered, client, "erika-eid", niveau=4)
    copy = town_client(registered, SAML_TOWN)
    copy._cookies = {key: value for key, value in client._cookies.items()}
    page = client.get("/buergerkonto/").get_data(as_text=True)
    response = client.post("/buergerkonto/abmelden", data={"csrf_token": csrf_of(page)})
    # The IdP is another site: a forwarding page leads there (a form may not redirect away).
    assert response.status_code == 200 and "Sie sind abgemeldet" in response.get_data(as_text=True)
    single_logout = html.unescape(re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">',
                                            response.get_data(as_text=True)).group(1))
    assert single_logout.startswith(f"{saml_simulator.base_url}/bundid/slo?SAMLRequest=")
    assert "&Signature=" in single_logout
    assert "Mit Nutzerkonto anmelden" in client.get("/buergerkonto/").get_data(as_text=True)
    assert "Angemeldet als" not in copy.get("/buergerkonto/").get_data(as_text=True)
    assert _stored(registered)[1] == []
    # The IdP confirms with a signed LogoutResponse posted to the town's single logout endpoint.
    action, fields = only_form(requests.get(single_logout, timeout=10))
    confirmed = post_as_idp(registered, action, fields)
    assert confirmed.status_code == 303 and urlsplit(confirmed.headers["Location"]).path == "/"


# --------------------------------------------------------------------------- clean-up


def test_the_daily_cleanup_forgets_expired_logins_and_used_assertions_only(registered):
    assert "citizen_logins.cleanup" in {job.name for job in discover()}
    saml_login(registered, town_client(registered, SAML_TOWN), "erika-eid")
    saml_login(registered, town_client(registered, OTHER_SAML_TOWN), "max-elster")
    start_login(town_client(registered, SAML_TOWN))  # never answered
    with registered.app_context(), all_tenants_context():
        logins = db.session.scalars(db.select(CitizenLogin).order_by(CitizenLogin.id)).all()
        assert len(logins) == 3
        logins[0].expires_at = utcnow() - timedelta(minutes=1)
        logins[2].created_at = utcnow() - timedelta(hours=1)
        for seen in db.session.scalars(db.select(SeenAssertion)):
            seen.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    with registered.app_context():
        cleanup()
    _, completed, seen = _stored(registered)
    assert [login.level for login in completed] == [3] and seen == []
    with registered.app_context(), all_tenants_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CitizenLogin)) == 1


def test_a_login_started_on_an_alias_host_moves_to_the_towns_own_host(registered):
    """Each town is registered with the IdPs once, under its own host: an alias hands the login over."""
    with registered.app_context():
        town = db.session.scalars(db.select(Tenant).filter_by(slug=SAML_TOWN)).one()
        town.aliases = ["rathaus.neu-anspach.example"]
        db.session.add(TenantAlias(host="rathaus.neu-anspach.example", tenant_id=town.id))
        db.session.commit()
    response = host_client(registered, "rathaus.neu-anspach.example").get("/anmelden/saml/?niveau=3")
    assert response.status_code == 302
    assert response.headers["Location"] == "http://neu-anspach.localhost/anmelden/saml/?niveau=3"
