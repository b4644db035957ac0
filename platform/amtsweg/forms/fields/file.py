"""Uploaded files; the answer lists one entry ``{name, size, …}`` per file."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal

from flask_babel import gettext
from pydantic import AfterValidator, Field
from werkzeug.datastructures import MultiDict

from amtsweg.forms.base import FieldErrors, InputField, LogicType, field_type, one_of

FILE_TYPES = ("pdf", "jpeg", "jpg", "png", "gif", "tiff", "heic", "docx", "odt", "xlsx", "ods", "txt")
# Some browsers and scanners report JPEG files as .jpg.
FILE_EXTENSIONS = {"jpeg": ("jpeg", "jpg"), "jpg": ("jpeg", "jpg"), "tiff": ("tiff", "tif")}

FileType = Annotated[str, AfterValidator(one_of(FILE_TYPES, "file type"))]


@field_type
class FileField(InputField):
    type: Literal["file"]
    accept: Annotated[list[FileType], Field(min_length=1)] = ["pdf", "jpeg", "png"]
    max_size_mb: Annotated[int, Field(ge=1, le=100)] = 10
    max_files: Annotated[int, Field(ge=1, le=50)] = 1

    logic_type: ClassVar[LogicType] = "array"
    accepts_files: ClassVar[bool] = True

    def parse(self, form: MultiDict[str, Any], path: str, previous: Any) -> Any:
        # Files already uploaded live on the server; new ones are added when they are stored.
        return list(previous) if isinstance(previous, list) else None

    def input_value(self, value: Any) -> Any:
        return value if isinstance(value, list) else []

    def answer_text(self, value: Any, locale: str) -> str:
        if not isinstance(value, list):
            return super().answer_text(value, locale)
        return ", ".join(str(entry.get("name", "")) for entry in value if isinstance(entry, dict))

    def too_many_message(self) -> str:
        return gettext("Bitte laden Sie höchstens %(count)d Datei(en) hoch.", count=self.max_files)

    def check(self, value: Any, today: dt.date) -> FieldErrors:
        if not isinstance(value, list) or not all(isinstance(f, dict) for f in value):
            return {"": gettext("Bitte laden Sie eine Datei hoch.")}
        allowed = {ext for kind in self.accept for ext in FILE_EXTENSIONS.get(kind, (kind,))}
        errors: FieldErrors = {}
        if len(value) > self.max_files:
            errors[""] = self.too_many_message()
        for upload in value:
            name, size = upload.get("name"), upload.get("size")
            extension = name.rsplit(".", 1)[-1].lower() if isinstance(name, str) and "." in name else ""
            if extension not in allowed:
                kinds = ", ".join(k.upper() for k in self.accept)
                errors[""] = gettext("Dieser Dateityp ist nicht erlaubt. Erlaubt sind: %(kinds)s.", kinds=kinds)
            elif not isinstance(size, int) or size > self.max_size_mb * 1024 * 1024:
                errors[""] = gettext("Eine Datei darf höchstens %(size)d MB groß sein.", size=self.max_size_mb)
        return errors

    def sample(self, today: dt.date) -> list[dict[str, Any]]:
        return [{"name": f"nachweis.{self.accept[0]}", "size": 2048}]
