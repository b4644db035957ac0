"""Forms of the process administration (town and cross-town): enablement, overrides, editor."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from amtsweg.auth.trust import LEVELS, trust_level
from amtsweg.formatting import format_amount, format_cents
from amtsweg.forms.base import localized
from amtsweg.processes.schema import PAYMENT_POLICY_LABELS, ProcessDefinition

_EUROS = re.compile(r"^\s*(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?\s*(?:€)?\s*$")
# The largest fee a town can set: a typo with three zeros too many is refused, not charged.
MAX_FEE_EUROS = 999_999


class AmountTooLarge(ValueError):
    """A well-formed amount above :data:`MAX_FEE_EUROS`."""


def parse_euros(text: str) -> int:
    """German euro amount ("15", "15,5", "1.500,00 €") → cents; ValueError when not an amount,
    AmountTooLarge above the largest fee."""
    match = _EUROS.match(text)
    if match is None:
        raise ValueError(text)
    euros, cents = int(match.group(1).replace(".", "")), match.group(2)
    if euros > MAX_FEE_EUROS:
        raise AmountTooLarge(text)
    return euros * 100 + int((cents or "0").ljust(2, "0"))


class ToggleForm(FlaskForm):
    """One click: switch a process on ("1") or off ("0")."""

    enabled = HiddenField(validators=[AnyOf(["0", "1"])])


class EuroField(StringField):
    """An amount in euros as Germans write it; ``data`` is cents (None when empty)."""

    data: int | None  # type: ignore[assignment]

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.raw_text = raw
        if not raw:
            self.data = None
            return
        try:
            self.data = parse_euros(raw)
        except AmountTooLarge:
            self.data = None
            raise ValueError(_l("Eine Gebühr darf höchstens %(amount)s betragen.",
                                amount=format_cents(MAX_FEE_EUROS * 100 + 99))) from None
        except ValueError:
            self.data = None
            raise ValueError(_l("Bitte geben Sie einen Betrag in Euro an, zum Beispiel 15,00.")) from None

    def _value(self) -> str:
        if getattr(self, "raw_text", None) is not None:
            return self.raw_text
        return format_amount(self.data, "de") if self.data is not None else ""


class DaysField(IntegerField):
    """Whole working days; the message for non-numbers is German like the range check."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            self.data = None
            return
        if not raw.isdigit():
            self.data = None
            raise ValueError(_l("Bitte geben Sie eine ganze Zahl zwischen 1 und 365 an."))
        self.data = int(raw)


class OverridesForm(FlaskForm):
    """A town's overrides of one process; fee fields are added per fixed fee (:func:`overrides_form`)."""

    department = StringField(
        _l("Zuständige Stelle"),
        validators=[Optional(), Length(max=200, message=_l("Höchstens 200 Zeichen."))],
    )
    contact = StringField(
        _l("Kontakt (Telefon, E-Mail, Raum)"),
        validators=[Optional(), Length(max=300, message=_l("Höchstens 300 Zeichen."))],
    )
    processing_days = DaysField(
        _l("Bearbeitungsdauer in Arbeitstagen"),
        validators=[
            Optional(),
            NumberRange(min=1, max=365, message=_l("Bitte geben Sie eine ganze Zahl zwischen 1 und 365 an.")),
        ],
    )
    intro_de = TextAreaField(
        _l("Einleitung (Deutsch)"),
        validators=[Optional(), Length(max=2000, message=_l("Höchstens 2000 Zeichen."))],
    )
    intro_en = TextAreaField(
        _l("Einleitung (Englisch)"),
        validators=[Optional(), Length(max=2000, message=_l("Höchstens 2000 Zeichen."))],
    )
    # Choices per definition (:func:`overrides_form`): only levels above the library's.
    trust_level = SelectField(_l("Nötige Anmeldung (Vertrauensniveau)"), choices=[])
    # Choices per definition (:func:`overrides_form`): the library's policy first.
    payment = SelectField(_l("Zahlung der Gebühr"), choices=[])

    fee_fields: list[tuple[str, str]]

    def overrides(self) -> dict[str, Any]:
        """The entered overrides in the stored shape (empty values left out)."""
        data: dict[str, Any] = {
            key: getattr(self, key).data.strip()
            for key in ("department", "contact", "intro_de", "intro_en")
            if (getattr(self, key).data or "").strip()
        }
        if self.processing_days.data is not None:
            data["processing_days"] = self.processing_days.data
        if self.trust_level.data:
            data["trust_level"] = int(self.trust_level.data)
        if self.payment.data:
            data["payment"] = self.payment.data
        fees = {fee_id: self[name].data for name, fee_id in self.fee_fields if self[name].data is not None}
        if fees:
            data["fees"] = fees
        return data


def overrides_form(definition: ProcessDefinition, current: dict[str, Any], **kwargs: Any) -> OverridesForm:
    """An overrides form for this definition: one euro field per fixed fee, prefilled with ``current``."""

    class _Form(OverridesForm):
        pass

    fee_fields = []
    for fee in definition.fees:
        if fee.amount_rule is not None:
            continue
        name = f"fee_{fee.id}"
        label = _l("Gebühr „%(label)s“ in Euro (Bibliothek: %(amount)s)", label=localized(fee.label),
                   amount=format_cents(fee.amount_cents or 0))
        setattr(_Form, name, EuroField(label, validators=[Optional()]))
        fee_fields.append((name, fee.id))
    _Form.fee_fields = fee_fields
    form = _Form(
        data={
            **{k: current.get(k) for k in ("department", "contact", "intro_de", "intro_en", "processing_days")},
            **{name: current.get("fees", {}).get(fee_id) for name, fee_id in fee_fields},
            "trust_level": str(current.get("trust_level") or ""),
            "payment": current.get("payment") or "",
        },
        **kwargs,
    )
    form.trust_level.choices = _trust_level_choices(definition)
    form.payment.choices = [
        ("", str(_l("wie in der Bibliothek: %(policy)s", policy=PAYMENT_POLICY_LABELS[definition.payment])))
    ] + [(name, str(label)) for name, label in PAYMENT_POLICY_LABELS.items() if name != definition.payment]
    return form


def _trust_level_choices(definition: ProcessDefinition) -> list[tuple[str, str]]:
    """Keep the library's level (the empty choice), or raise it; a town never lowers it."""
    library = definition.trust_level
    keep = (_l("wie in der Bibliothek: Vertrauensniveau „%(level)s“", level=trust_level(library).name) if library
            else _l("wie in der Bibliothek: keine Anmeldung nötig"))
    return [("", str(keep))] + [
        (str(level.number), str(_l("Vertrauensniveau „%(level)s“", level=level.name)))
        for level in LEVELS if level.number > (library or 0)
    ]


class EditorForm(FlaskForm):
    source = TextAreaField(
        _l("Definition (YAML)"),
        validators=[DataRequired(_l("Bitte geben Sie die Definition ein.")),
                    Length(max=200_000, message=_l("Die Definition ist zu lang."))],
    )
