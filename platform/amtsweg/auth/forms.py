"""Forms of the login pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, StringField  # type: ignore[attr-defined]  # not in the stubs yet
from wtforms.validators import DataRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from amtsweg.auth.roles import ROLE_LABELS


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DevelopmentLoginForm(FlaskForm):
    """Log in as anyone with any roles — only offered in development and testing."""

    username = StringField(
        _l("Benutzername"),
        validators=[
            DataRequired(_l("Bitte geben Sie einen Benutzernamen ein.")),
            Length(max=64, message=_l("Der Benutzername darf höchstens 64 Zeichen lang sein.")),
            Regexp(
                r"^[a-z0-9._-]+$",
                message=_l("Erlaubt sind Kleinbuchstaben, Ziffern, Punkt, Minus und Unterstrich."),
            ),
        ],
    )
    roles = CheckboxesField(
        _l("Rollen"), validators=[DataRequired(_l("Bitte wählen Sie mindestens eine Rolle."))]
    )

    def offer_roles(self, roles: tuple[str, ...]) -> None:
        self.roles.choices = [SelectChoice(role, ROLE_LABELS[role]) for role in roles]
