"""One problem type and one error base: what a refusal says, in the reader's language."""

import pytest
from amtsweg.cases.casework import EmptyNote
from amtsweg.cases.services import NotAllowed as CitizenNotAllowed
from amtsweg.cases.workflow import IllegalTransition
from amtsweg.contracts.importing import ImportFileError
from amtsweg.contracts.services import ContractInvalid
from amtsweg.documents.services import UploadRejected
from amtsweg.errors import DomainError, NotAllowed, Problem
from amtsweg.processes.services import ProcessLibraryError
from amtsweg.tenancy.services import TenantConfigError


def test_a_problem_names_file_row_and_place_before_the_message():
    assert str(Problem("branding.logo", "file 'logo.svg' not found", file="usingen/tenant.toml")) == (
        "usingen/tenant.toml: branding.logo: file 'logo.svg' not found"
    )
    assert str(Problem("title", "Bitte ausfüllen.", row=3)) == "row 3: title: Bitte ausfüllen."
    assert str(Problem("", "cannot read LeiKa list", file="_leika.csv")) == "_leika.csv: cannot read LeiKa list"


def test_an_error_without_a_message_lists_its_problems():
    problems = [Problem("slug", "must equal the folder name", file="a/tenant.toml"), Problem("pages", "missing")]
    error = TenantConfigError(problems=problems)
    assert error.problems == problems
    assert str(error) == "a/tenant.toml: slug: must equal the folder name; pages: missing"


@pytest.mark.parametrize("refusal", [
    NotAllowed, CitizenNotAllowed, IllegalTransition, EmptyNote, UploadRejected, ContractInvalid, ImportFileError,
    ProcessLibraryError, TenantConfigError,
])
def test_every_refusal_of_a_domain_module_is_a_domain_error(refusal):
    assert issubclass(refusal, DomainError)


def test_the_two_kinds_of_not_allowed_are_one():
    assert CitizenNotAllowed is NotAllowed and issubclass(IllegalTransition, NotAllowed)


def test_the_default_message_is_read_in_the_pages_language(app):
    with app.test_request_context("/", headers={"Host": "usingen.localhost"}):
        assert str(NotAllowed()) == "Das ist in diesem Bearbeitungsstand oder mit Ihrer Rolle nicht möglich."
        assert str(EmptyNote()) == "Bitte geben Sie einen Text für die Notiz ein."
    with app.test_request_context("/", headers={"Host": "usingen.localhost"}) as ctx:
        ctx.session["locale"] = "en"
        assert str(NotAllowed()) == "This is not possible in the current state or with your role."
        assert str(DomainError()) == "This is not possible. Nothing was changed."
        assert str(EmptyNote()) == "Please enter a text for the note."


def test_an_empty_note_stays_a_value_error_for_callers_that_check_input():
    with pytest.raises(ValueError):
        raise EmptyNote()
