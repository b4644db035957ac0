"""The shared process library: every definition is valid, and broken ones are reported precisely."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from amtsweg.errors import Problem
from amtsweg.processes.loader import (
    from_storable,
    load_library,
    to_storable,
    validate_library,
)

LIBRARY = Path(__file__).resolve().parents[2] / "shared_processes"
PROCESS_FOLDERS = sorted(p.name for p in LIBRARY.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


@pytest.fixture(scope="module")
def library():
    return load_library(LIBRARY)


@pytest.mark.parametrize("slug", PROCESS_FOLDERS)
def test_every_shared_process_passes_validation(library, slug):
    errors = [str(e) for e in library.errors if e.file.startswith(f"{slug}/")]
    assert errors == []
    assert slug in library.processes


def test_shared_workflows_templates_and_leika_list_are_valid(library):
    shared = [str(e) for e in library.errors if e.file.startswith("_")]
    assert shared == []
    assert {"standard", "fee"} <= set(library.workflows)


def test_validate_library_returns_library_and_its_errors():
    library, errors = validate_library(LIBRARY)
    assert errors is library.errors
    assert all((LIBRARY / slug / "process.yaml").is_file() for slug in library.processes)


# --------------------------------------------------------------------------- broken definitions

MINIMAL = {
    "slug": "probe",
    "kind": "digital",
    "category": "steuern-gebuehren",
    "aktenplan": "9.0.3",
    "title": {"de": "Probe", "en": "Test"},
    "summary": {"de": "Ein Probeantrag.", "en": "A test application."},
    "legal_basis": [{"title": "§ 1 Probegesetz"}],
    "processing_days": 5,
    "retention": {"years": 1, "after": "closed", "disposal": "delete"},
    "workflow": "standard",
    "form": {
        "steps": [
            {
                "id": "angaben",
                "title": {"de": "Angaben", "en": "Details"},
                "fields": [
                    {"id": "name", "type": "text", "label": {"de": "Name", "en": "Name"}, "required": True},
                    {"id": "anzahl", "type": "number", "label": {"de": "Anzahl", "en": "Number"}, "integer": True},
                ],
            }
        ]
    },
    "fees": [{"id": "gebuehr", "label": {"de": "Gebühr", "en": "Fee"}, "amount_cents": 1000}],
}


@pytest.fixture
def root(tmp_path):
    """A library with the real shared workflows, templates, LeiKa list and Aktenplan and one valid process."""
    for name in ("_workflows", "_templates"):
        shutil.copytree(LIBRARY / name, tmp_path / name)
    shutil.copy(LIBRARY / "_leika.csv", tmp_path / "_leika.csv")
    shutil.copy(LIBRARY / "_aktenplan.yaml", tmp_path / "_aktenplan.yaml")
    write(tmp_path, "probe", MINIMAL)
    return tmp_path


def write(root: Path, folder: str, data: dict | str) -> Path:
    path = root / folder / "process.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def variant(**changes) -> dict:
    data = json.loads(json.dumps(MINIMAL))
    data.update(changes)
    return data


def errors_of(root: Path) -> list[tuple[str, str, str]]:
    return [(e.file, e.path, e.message) for e in load_library(root).errors]


def test_minimal_process_is_valid(root):
    library = load_library(root)
    assert library.errors == []
    assert list(library.processes) == ["probe"]


def test_unknown_field_type_is_reported_at_the_type_key(root):
    data = variant()
    data["form"]["steps"][0]["fields"][1]["type"] = "datum"
    write(root, "probe", data)
    assert errors_of(root) == [("probe/process.yaml", "form.steps[0].fields[1].type", "unknown field type 'datum'")]


def test_key_of_another_field_type_is_refused(root):
    data = variant()
    data["form"]["steps"][0]["fields"][0]["options"] = []
    write(root, "probe", data)
    assert errors_of(root) == [
        ("probe/process.yaml", "form.steps[0].fields[0].options", "key 'options' is not allowed for field type 'text'")
    ]


def test_all_problems_of_all_files_are_collected(root):
    data = variant(slug="anders", leika="99999999999999", category="steuern")
    fields = data["form"]["steps"][0]["fields"]
    fields[1]["id"] = "name"
    fields[0]["show_if"] = {"==": [{"var": "gibtsnicht"}, 1]}
    write(root, "probe", data)
    other = variant(slug="zweiter")
    other["fees"][0]["amount_rule"] = {"*": [{"var": "anzahl"}, 100]}
    write(root, "zweiter", other)
    assert errors_of(root) == [
        ("probe/process.yaml", "category",
         "unknown area 'steuern' (allowed: buergerservice, sicherheit-ordnung, familie-sport-kultur, "
         "steuern-gebuehren, standesamt, bauen-umwelt, soziales, wirtschaft)"),
        ("zweiter/process.yaml", "fees[0]", "give exactly one of amount_cents and amount_rule"),
    ]
    write(root, "probe", variant(slug="anders", leika="99999999999999"))
    data = variant()
    data["form"]["steps"][0]["fields"][1]["id"] = "name"
    data["form"]["steps"][0]["fields"][0]["show_if"] = {"==": [{"var": "gibtsnicht"}, 1]}
    write(root, "zweiter", data | {"slug": "zweiter"})
    assert errors_of(root) == [
        ("probe/process.yaml", "slug", "slug 'anders' does not match folder 'probe'"),
        ("probe/process.yaml", "leika", "LeiKa key '99999999999999' is not in the LeiKa list"),
        ("zweiter/process.yaml", "form.steps[0].fields[1].id", "duplicate field id 'name'"),
        ("zweiter/process.yaml", "form.steps[0].fields[0].show_if", "unknown field 'gibtsnicht' in var"),
    ]


def test_kind_specific_keys_are_checked(root):
    external = variant(kind="external", external_url="http://example.org")
    del external["workflow"]
    del external["aktenplan"]
    write(root, "probe", external)
    assert errors_of(root) == [("probe/process.yaml", "external_url", "'http://example.org' is not an https URL")]
    external["external_url"] = "https://verwaltungsportal.hessen.de/leistung"
    write(root, "probe", external)
    assert errors_of(root) == [
        ("probe/process.yaml", "provider", "required for kind 'external'"),
        ("probe/process.yaml", "form", "not allowed for kind 'external' (the service runs elsewhere)"),
        ("probe/process.yaml", "retention", "not allowed for kind 'external' (the service runs elsewhere)"),
    ]
    digital = variant()
    del digital["processing_days"]
    del digital["legal_basis"]
    write(root, "probe", digital)
    assert errors_of(root) == [
        ("probe/process.yaml", "processing_days", "required for kind 'digital'"),
        ("probe/process.yaml", "legal_basis", "required for kind 'digital'"),
    ]


def test_a_digital_process_names_a_unit_of_the_default_aktenplan(root):
    write(root, "probe", {k: v for k, v in MINIMAL.items() if k != "aktenplan"})
    assert errors_of(root) == [("probe/process.yaml", "aktenplan", "required for kind 'digital'")]
    write(root, "probe", variant(aktenplan="9.9.9"))
    assert errors_of(root) == [("probe/process.yaml", "aktenplan", "unit '9.9.9' is not in _aktenplan.yaml")]
    write(root, "probe", variant(aktenplan="9"))
    assert errors_of(root) == [(
        "probe/process.yaml", "aktenplan",
        "unit '9' of _aktenplan.yaml has no retention or archive hint, cases cannot be filed there",
    )]
    write(root, "probe", variant(aktenplan="Hundesteuer"))
    [(file, path, message)] = errors_of(root)
    assert (file, path) == ("probe/process.yaml", "aktenplan") and "pattern" in message


def test_a_digital_process_without_retention_inherits_it_from_its_unit(root):
    write(root, "probe", {k: v for k, v in MINIMAL.items() if k != "retention"})
    assert errors_of(root) == []


def test_external_process_needs_no_form(root):
    external = {k: v for k, v in MINIMAL.items() if k not in ("form", "workflow", "retention", "fees", "aktenplan")}
    external |= {"kind": "external", "external_url": "https://service.hessen.de/x",
                 "provider": {"de": "Land Hessen", "en": "State of Hesse"}}
    write(root, "probe", external)
    assert errors_of(root) == []


def test_unknown_workflow_and_unknown_state_are_reported(root):
    write(root, "probe", variant(workflow="eilig"))
    assert errors_of(root) == [("probe/process.yaml", "workflow", "unknown workflow 'eilig' (known: fee, standard)")]
    inline = {"transitions": [{"id": "start", "from": ["submitted"], "to": "fertig", "roles": ["clerk", "chef"],
                               "label": {"de": "Los", "en": "Go"}, "actions": [{"type": "fax"}]}]}
    write(root, "probe", variant(workflow=inline))
    problems = errors_of(root)
    assert [(p, m) for _, p, m in problems] == [
        ("workflow.transitions[0].to", "unknown state 'fertig' (allowed: submitted, awaiting_payment, in_progress, "
         "waiting_for_citizen, approved, rejected, closed, withdrawn, archived)"),
        ("workflow.transitions[0].roles[1]", "unknown role 'chef' (allowed: clerk, team_lead, tenant_admin)"),
        ("workflow.transitions[0].actions[0].type", "unknown action type 'fax'"),
    ]


def test_action_template_must_exist_in_process_folder_or_shared(root):
    inline = {"transitions": [{"id": "approve", "from": ["submitted"], "to": "approved", "roles": ["clerk"],
                               "label": {"de": "Genehmigen", "en": "Approve"},
                               "actions": [{"type": "create_letter", "template": "sonderbescheid"}]}]}
    write(root, "probe", variant(workflow=inline))
    assert errors_of(root) == [(
        "probe/process.yaml", "workflow.transitions[0].actions[0].template",
        "template 'letters/sonderbescheid.html' not found (neither in the process folder nor in _templates/)",
    )]
    (root / "probe" / "letters").mkdir()
    (root / "probe" / "letters" / "sonderbescheid.html").write_text("<p>{{ case.reference }}</p>", encoding="utf-8")
    assert errors_of(root) == []


def test_broken_shared_workflow_is_reported_once_and_in_its_processes(root):
    (root / "_workflows" / "standard.yaml").write_text(
        "transitions:\n  - id: start\n    from: [in_progress]\n    to: approved\n    roles: [clerk]\n"
        "    label: {de: Los, en: Go}\n", encoding="utf-8")
    assert errors_of(root) == [
        ("_workflows/standard.yaml", "transitions", "no transition leaves 'submitted'"),
        ("probe/process.yaml", "workflow", "workflow 'standard' is invalid, see _workflows/standard.yaml"),
    ]


def test_yaml_problems_are_reported_with_position(root):
    write(root, "probe", "slug: probe\nslug: doppelt\n")
    [(file, path, message)] = errors_of(root)
    assert (file, path) == ("probe/process.yaml", "")
    assert message.startswith("invalid YAML: duplicate key 'slug'") and "line 2" in message
    (root / "probe" / "process.yaml").unlink()
    assert errors_of(root) == [("probe/process.yaml", "", "process.yaml is missing")]


def test_json_logic_must_use_known_operators_and_group_fields(root):
    data = variant()
    fields = data["form"]["steps"][0]["fields"]
    fields.append({"id": "hunde", "type": "group", "label": {"de": "Hunde", "en": "Dogs"},
                   "fields": [{"id": "rasse", "type": "text", "label": {"de": "Rasse", "en": "Breed"}},
                              {"id": "chip", "type": "text", "label": {"de": "Chip", "en": "Chip"},
                               "show_if": {"!=": [{"var": "rasse"}, ""]}}]})
    fields[1]["show_if"] = {"some": [{"var": "hunde"}, {"==": [{"var": "rasse"}, "Mops"]}]}
    fields[0]["required_if"] = {"==": [{"var": "hunde.0.farbe"}, "braun"]}
    data["fees"][0]["when"] = {"method": [{"var": "name"}, "upper"]}
    write(root, "probe", data)
    assert errors_of(root) == [
        ("probe/process.yaml", "form.steps[0].fields[0].required_if", "unknown field 'hunde.0.farbe' in var"),
        ("probe/process.yaml", "fees[0].when", "unknown JSON Logic operator 'method'"),
    ]


def test_a_list_or_mapping_answer_compared_as_a_number_is_reported(root):
    data = variant()
    fields = data["form"]["steps"][0]["fields"]
    fields.append({"id": "hunde", "type": "group", "label": {"de": "Hunde", "en": "Dogs"},
                   "fields": [{"id": "rasse", "type": "text", "label": {"de": "Rasse", "en": "Breed"}}]})
    fields.append({"id": "anschrift", "type": "address", "label": {"de": "Anschrift", "en": "Address"}})
    fields[1]["show_if"] = {">": [{"var": "hunde"}, 1]}
    fields[0]["required_if"] = {"<": [{"var": ["anschrift", {}]}, {"var": "anzahl"}]}
    data["fees"][0]["when"] = {">": [{"reduce": [{"var": "hunde"}, {"+": [{"var": "accumulator"}, 1]}, 0]}, 1]}
    write(root, "probe", data)
    assert errors_of(root) == [
        ("probe/process.yaml", "form.steps[0].fields[0].required_if",
         "'<' needs numbers or texts, but the answer of field 'anschrift' is a JSON object"),
        ("probe/process.yaml", "form.steps[0].fields[1].show_if",
         "'>' needs numbers or texts, but the answer of field 'hunde' is a JSON array"),
    ]


def test_template_syntax_errors_are_reported(root):
    (root / "probe" / "mails").mkdir()
    (root / "probe" / "mails" / "entschieden.de.txt").write_text("Betreff\n\n{% if %}\n", encoding="utf-8")
    (root / "probe" / "mails" / "entschieden.en.txt").write_text("Kein Betreff\nText\n", encoding="utf-8")
    assert errors_of(root) == [
        ("probe/mails/entschieden.de.txt", "line 3",
         "template syntax error: Expected an expression, got 'end of statement block'"),
        ("probe/mails/entschieden.en.txt", "line 1", "a mail template starts with the subject line and a blank line"),
    ]


# --------------------------------------------------------------------------- versions and storage


def test_version_is_stable_and_changes_with_the_definition_or_a_template(root):
    first = load_library(root).processes["probe"].version
    assert load_library(root).processes["probe"].version == first
    assert len(first) == 64

    write(root, "probe", variant(processing_days=6))
    changed = load_library(root).processes["probe"].version
    assert changed != first

    letters = root / "probe" / "letters"
    letters.mkdir()
    (letters / "bescheid-genehmigung.html").write_text("<p>Eigener Bescheid</p>", encoding="utf-8")
    with_letter = load_library(root).processes["probe"]
    assert with_letter.version != changed
    assert with_letter.templates["letters/bescheid-genehmigung.html"] == "<p>Eigener Bescheid</p>"


def test_version_ignores_yaml_formatting(root):
    first = load_library(root).processes["probe"].version
    text = yaml.safe_dump(MINIMAL, allow_unicode=True, default_flow_style=True, sort_keys=False)
    write(root, "probe", "# Kommentar\n" + text)
    assert load_library(root).processes["probe"].version == first


def test_storable_form_is_json_and_round_trips(library):
    loaded = library.processes["hundesteuer-anmelden"]
    stored = json.loads(json.dumps(to_storable(loaded)))
    assert stored["version"] == loaded.version
    assert stored["definition"]["workflow"]["transitions"][0]["from"] == ["submitted"]
    assert "mails/entschieden.de.txt" in stored["templates"]
    assert from_storable(stored) == loaded.definition


def test_definition_error_reads_as_file_path_message():
    error = Problem("form.steps[2].fields[0].type", "unknown field type 'datum'", file="probe/process.yaml")
    assert str(error) == "probe/process.yaml: form.steps[2].fields[0].type: unknown field type 'datum'"
