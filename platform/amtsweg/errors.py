"""One problem type and one error base for every domain module.

A :class:`Problem` is one thing wrong with an input, precise enough to fix it: where it is (a file,
a row of a table, a path or field inside it) and what is wrong. A :class:`DomainError` is a domain
module's refusal: nothing was changed, its ``message`` says why in the reader's language and its
``problems`` list the single faults. Modules subclass it to name their refusals, so a face can
catch the kind it expects and show ``str(error)`` or the problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext


@dataclass(frozen=True)
class Problem:
    """One fault: ``path`` is where inside the input ("" for all of it), ``file`` and ``row`` say in
    which file and line when the input came from one (empty and None otherwise)."""

    path: str
    message: str
    file: str = ""
    row: int | None = None

    def __str__(self) -> str:
        where = [part for part in (self.file, "" if self.row is None else f"row {self.row}", self.path) if part]
        return ": ".join([*where, str(self.message)])


class DomainError(Exception):
    """A domain module refused an operation and changed nothing.

    ``message`` is a (lazy) gettext string, translated when it is shown; without one the problems
    joined, else the class's default. Subclasses set ``default_message`` for their kind of refusal.
    """

    default_message: str = lazy_gettext("Das ist nicht möglich. Es wurde nichts geändert.")

    def __init__(self, message: str | None = None, problems: Iterable[Problem] = ()) -> None:
        self.problems = list(problems)
        if message is None:
            message = "; ".join(str(problem) for problem in self.problems) or self.default_message
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)


class NotAllowed(DomainError):
    """The acting person may not do this to the object in its present state."""

    default_message = lazy_gettext("Das ist in diesem Bearbeitungsstand oder mit Ihrer Rolle nicht möglich.")
