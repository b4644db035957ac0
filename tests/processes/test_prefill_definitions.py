"""The ``prefill`` key of a field and ``organisation_account`` of a service in process.yaml: checked by
the schema with the file, the line and a precise message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from amtsweg.forms.prefill import IDENTITY_ATTRIBUTES, prefilled_fields
from amtsweg.processes.loader import load_library, validate_library

LIBRARY = Path(__file__).resolve().parents[2] / "shared_processes"


@pytest.fixture
def library_copy(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    shutil.copytree(LIBRARY, root)
    return root


def _edit(root: Path, slug: str, old: str, new: str) -> None:
    path = root / slug / "process.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line(root: Path, slug: str, text: str) -> int:
    lines = (root / slug / "process.yaml").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def _problems(root: Path, slug: str) -> list[str]:
    _, problems = validate_library(root)
    return [str(problem) for problem in problems if problem.file.startswith(slug)]


def test_an_unknown_identity_attribute_is_named_with_file_line_and_the_known_ones(library_copy):
    _edit(library_copy, "hundesteuer-anmelden", "prefill: birth_date", "prefill: geburtstag")
    line = _line(library_copy, "hundesteuer-anmelden", "prefill: geburtstag")
    [problem] = _problems(library_copy, "hundesteuer-anmelden")
    assert problem.startswith(f"hundesteuer-anmelden/process.yaml: row {line}: form.steps[0].fields[2].prefill")
    assert "unknown identity attribute 'geburtstag'" in problem
    assert "known: given_name, family_name, email, birth_name, birth_date" in problem


def test_an_address_attribute_fits_only_an_address_field_and_a_value_no_address(library_copy):
    _edit(library_copy, "hundesteuer-anmelden", "prefill: address\n", "prefill: family_name\n")
    _edit(library_copy, "hundesteuer-anmelden", "prefill: given_name", "prefill: address")
    problems = _problems(library_copy, "hundesteuer-anmelden")
    assert any("fields[0]" in p and "a field of type 'text' cannot be filled from 'address' (only address fields "
               "take 'address')" in p for p in problems), problems
    assert any("fields[3]" in p and "a field of type 'address' cannot be filled from 'family_name'" in p
               for p in problems), problems


def test_a_field_type_that_takes_no_login_data_refuses_a_prefill_key(library_copy):
    _edit(library_copy, "hundesteuer-anmelden", "          autocomplete: tel\n",
          "          autocomplete: tel\n        - id: zustimmung\n          type: yesno\n"
          "          label: {de: \"Einverstanden\", en: \"Agreed\"}\n          prefill: email\n")
    [problem] = _problems(library_copy, "hundesteuer-anmelden")
    assert "a field of type 'yesno' cannot be filled from 'email'" in problem


def test_organisation_account_is_for_services_that_run_here_only(library_copy):
    _edit(library_copy, "elster-steuererklaerung", "kind: external", "kind: external\norganisation_account: true")
    [problem] = _problems(library_copy, "elster-steuererklaerung")
    assert "organisation_account: not allowed for kind 'external' (no form to log in to)" in problem


def test_a_persons_attributes_fill_nothing_for_an_organisation_and_the_other_way_round():
    form = load_library(LIBRARY).processes["vereinsfoerderung"].definition.form
    organisation = {"organisation_name": "TV Usingen e. V.", "street_address": "Am Sportplatz 2",
                    "postal_code": "61250", "locality": "Usingen", "given_name": "Jan", "email": "jan@example.org"}
    filled = prefilled_fields(form, organisation, verified=True, organisation=True)
    assert {key: p.value for key, p in filled.items()} == {
        "vereinsname": "TV Usingen e. V.", "vorname": "Jan", "email": "jan@example.org",
        "vereinsanschrift": {"street": "Am Sportplatz", "house_number": "2", "postal_code": "61250",
                             "city": "Usingen"}}
    assert [key for key, p in filled.items() if not p.locked] == ["email"]
    # A person's home address is not the club's address.
    assert "vereinsanschrift" not in prefilled_fields(form, organisation, verified=True, organisation=False)


def test_every_attribute_the_logins_deliver_can_be_named():
    from amtsweg.auth.saml.idps import IDENTITY_PROVIDERS

    technical = {"bpk2", "trust_level", "proved_by", "street_address", "postal_code", "locality", "country"}
    delivered = {a.key for idp in IDENTITY_PROVIDERS.values() for a in idp.attributes} - technical
    assert delivered <= set(IDENTITY_ATTRIBUTES)


def test_prefill_inside_a_repeatable_group_is_refused_naming_the_yaml_line(library_copy):
    _edit(library_copy, "gewerbe-anmelden", "            - id: vorname\n              type: text\n",
          "            - id: vorname\n              type: text\n              prefill: given_name\n")
    line = _line(library_copy, "gewerbe-anmelden", "prefill: given_name")
    problems = _problems(library_copy, "gewerbe-anmelden")
    assert any(p.startswith(f"gewerbe-anmelden/process.yaml: row {line}: form.steps[0].fields[")
               and ".fields[0].prefill" in p
               and "prefill is not allowed inside the repeatable group 'gesellschafter'" in p
               and "put the field outside the group" in p for p in problems), problems


def test_a_legal_form_chooses_the_option_it_names_and_one_naming_no_option_fills_nothing():
    form = load_library(LIBRARY).processes["gewerbe-anmelden"].definition.form

    def chosen(legal_form: str):
        filled = prefilled_fields(form, {"legal_form": legal_form}, verified=True, organisation=True)
        return (filled["rechtsform"].value, filled["rechtsform"].locked) if "rechtsform" in filled else None

    assert chosen("Gesellschaft mit beschränkter Haftung") == ("gmbh", True)
    assert chosen("  gmbh &  Co. kg ") == ("kg", True)
    assert chosen("Aktiengesellschaft (AG)") == ("ag", True)
    assert chosen("Stiftung des bürgerlichen Rechts") is None
    # A person's login has no legal form to give.
    assert prefilled_fields(form, {"legal_form": "GmbH"}, verified=True, organisation=False) == {}
