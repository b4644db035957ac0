"""Templates of the form engine: its own (``forms/…``) and each field type's input template."""

from __future__ import annotations

from collections.abc import Callable

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, TemplateNotFound

from amtsweg.forms.base import FIELD_TYPES, TEMPLATE_FOLDER

FIELD_TEMPLATES = "forms/fields/"


class FieldTemplateLoader(BaseLoader):
    """Finds ``forms/fields/<type>.html`` in the ``template_folder`` of the registered type, so that
    a field type defined outside this package brings its template along."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Callable[[], bool]]:
        name = template.removeprefix(FIELD_TEMPLATES).removesuffix(".html")
        cls = FIELD_TYPES.get(name) if template.startswith(FIELD_TEMPLATES) else None
        if cls is None:
            raise TemplateNotFound(template)
        return FileSystemLoader(cls.template_folder).get_source(environment, template)


def template_loader() -> BaseLoader:
    """The loader for every template of the form engine."""
    return ChoiceLoader([FieldTemplateLoader(), FileSystemLoader(TEMPLATE_FOLDER)])
