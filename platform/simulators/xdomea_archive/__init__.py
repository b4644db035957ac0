"""A small archive that speaks xdomea 3.1.0 Aussonderung, for development and tests.

It answers an Anbieteverzeichnis (0501) with a receipt (0504, when asked) and a Bewertungsverzeichnis
(0502), and an Aussonderung (0503) with a receipt (0507, when asked) and an import confirmation
(0506) — after checking that every primary file in the ZIP is there and matches the SHA-256 the
message gives for it. Every message it reads and writes is validated against the schema.

How it assesses is set by :class:`Rules`: by the hint the town sent (A stays A, V stays V), "B"
(bewerten) as configured, and per Aktenplan unit where configured. Use it in-process
(:meth:`ArchiveSimulator.answer`), as a file drop or as a small HTTP service (``python -m
simulators.xdomea_archive --help``).
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from amtsweg.archive import xdomea
from amtsweg.clock import utcnow

NAME = "Hessisches Landesarchiv (Simulator)"
VERSION = "1.0"


class SimulatorRefused(RuntimeError):
    """The simulator must never run in production."""


@dataclass(frozen=True)
class Rules:
    """How the simulated archive decides."""

    # What an object offered with hint "B" (bewerten) becomes.
    b_decision: str = "A"
    # Aktenplan unit → decision, whatever the hint (e.g. {"1.3.1": "V"}).
    units: Mapping[str, str] = field(default_factory=dict)
    # Aktenzeichen whose import is reported as failed in the 0506 (to exercise that path).
    fail_import: frozenset[str] = frozenset()

    def decide(self, item: xdomea.OfferedObject) -> str:
        if item.unit_number in self.units:
            return self.units[item.unit_number]
        return self.b_decision if item.assessment == "B" else item.assessment


class ArchiveSimulator:
    def __init__(self, rules: Rules | None = None, name: str = NAME) -> None:
        if os.environ.get("AMTSWEG_ENV", "").lower() == "production":
            raise SimulatorRefused("the xdomea archive simulator does not run in production (AMTSWEG_ENV=production)")
        self.rules = rules or Rules()
        self.name = name
        self._answers: dict[str, Callable[[xdomea.Message], list[tuple[str, bytes]]]] = {
            "0501": self._assess, "0503": self._import,
        }

    def answer(self, data: bytes) -> list[tuple[str, bytes]]:
        """The answers to one message, as (file name, ZIP container); ValueError for anything but
        a valid 0501 or 0503."""
        message = xdomea.read(data)
        handler = self._answers.get(message.code)
        if handler is None:
            raise ValueError(f"the archive answers 0501 and 0503, not {message.code}")
        return handler(message)

    def _envelope(self, message: xdomea.Message) -> xdomea.Envelope:
        return xdomea.Envelope(message.process_id, xdomea.Party(self.name), message.sender, VERSION, utcnow())

    def _reply(self, message: xdomea.Message, code: str, content: bytes) -> tuple[str, bytes]:
        return xdomea.package_name(message.process_id, code), xdomea.container(message.process_id, code, content)

    def _assess(self, message: xdomea.Message) -> list[tuple[str, bytes]]:
        answers = []
        if message.receipt_requested:
            answers.append(self._reply(message, "0504", xdomea.build_receipt("0504", self._envelope(message))))
        decisions = [(item.object_id, self.rules.decide(item)) for item in xdomea.offered_objects(message)]
        answers.append(self._reply(message, "0502", xdomea.build_assessment(self._envelope(message), decisions)))
        return answers

    def _import(self, message: xdomea.Message) -> list[tuple[str, bytes]]:
        answers = []
        if message.receipt_requested:
            answers.append(self._reply(message, "0507", xdomea.build_receipt("0507", self._envelope(message))))
        outcomes = [self._check(message, item) for item in xdomea.offered_objects(message)]
        answers.append(self._reply(message, "0506",
                                   xdomea.build_import_confirmation(self._envelope(message), outcomes)))
        return answers

    def _check(self, message: xdomea.Message, item: xdomea.OfferedObject) -> xdomea.ImportOutcome:
        errors = []
        if item.aktenzeichen in self.rules.fail_import:
            errors.append("Import im Archivsystem abgelehnt (Simulator).")
        files = _files_of(message)
        for name, expected in item.files:
            if name not in files:
                errors.append(f"Primärdatei {name} fehlt im Paket.")
            elif hashlib.sha256(files[name]).hexdigest() != expected:
                errors.append(f"Primärdatei {name} stimmt nicht mit ihrer SHA-256-Prüfsumme überein.")
        if errors:
            return xdomea.ImportOutcome(item.object_id, False, tuple(errors))
        return xdomea.ImportOutcome(item.object_id, True, archive_reference=f"SIM-{item.object_id[:8].upper()}")


def _files_of(message: xdomea.Message) -> dict[str, bytes]:
    """The files of a 0503's ZIP container (none when it came as bare XML)."""
    if message.package is None:
        return {}
    with zipfile.ZipFile(io.BytesIO(message.package)) as package:
        return {name: package.read(name) for name in package.namelist()}
