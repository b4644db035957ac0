"""Forms of the town's API administration: a new key, a new webhook subscription. The rules for
both are the domain's (auth.api_tokens, notifications.webhooks); the forms only collect."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, DateInput, ListWidget

from amtsweg.auth.api_tokens import ACTING_ROLES, SCOPES
from amtsweg.clock import today_in_germany
from amtsweg.errors import Problem
from amtsweg.notifications.webhooks import EVENT_TYPES


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DayField(Field):
    """A calendar day (``<input type="date">``); ``data`` is None when empty or not a day, and the
    domain's check says what is wrong."""

    widget = DateInput()
    data: date | None

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            self.data = date.fromisoformat((valuelist[0] if valuelist else "").strip())
        except ValueError:
            self.data = None

    def _value(self) -> str:
        return self.data.isoformat() if self.data else ""


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), description=_l("Wofür der Schlüssel ist, z. B. „Fachverfahren Hundesteuer“."))
    scopes = CheckboxesField(_l("Berechtigungen"), choices=list(SCOPES.items()))
    roles = RadioField(_l("Rolle bei Bearbeitungsschritten"), default="",
                      choices=[("", _l("Keine – der Schlüssel führt keine Schritte aus")), *ACTING_ROLES.items()])
    expires_on = DayField(_l("Gültig bis einschließlich"), default=lambda: today_in_germany() + timedelta(days=365))


class SubscriptionForm(FlaskForm):
    name = StringField(_l("Name"), description=_l("Welches System die Nachrichten erhält."))
    url = StringField(_l("Adresse (URL)"), description=_l("Die Adresse, an die jedes Ereignis gesendet wird; im "
                                                          "Betrieb nur https://."))
    events = CheckboxesField(_l("Ereignisse"), choices=list(EVENT_TYPES.items()))


def show_problems(form: FlaskForm, problems: list[Problem]) -> None:
    """Put the domain's refusal next to the fields it names."""
    for problem in problems:
        form[problem.path].errors = [*form[problem.path].errors, str(problem.message)]
