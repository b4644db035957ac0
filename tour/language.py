"""Is a piece of visible text in the page's language? A heuristic over frequent function words.

German and English UI text is told apart by short words that occur in almost every sentence of one
language and (almost) never in the other. Words both languages use (``in``, ``an``, ``am``, ``was``,
``will``, ``also``, ``so``) are in neither list. Names, addresses and what people typed into the
demo are removed before counting (see :func:`wrong_language`), so a German street or a German note
on an English page is no finding, while an untranslated sentence is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

GERMAN_WORDS = frozenset({
    "der", "die", "das", "dem", "den", "des", "und", "ist", "sind", "nicht", "mit", "für", "auf", "ein", "eine",
    "einer", "eines", "einem", "einen", "zu", "zum", "zur", "von", "vom", "bei", "beim", "sie", "ihr", "ihre",
    "ihren", "ihrem", "ihrer", "ihres", "wir", "uns", "unsere", "unser", "noch", "oder", "wenn", "bitte", "werden",
    "wird", "wurde", "wurden", "haben", "hat", "habe", "auch", "nach", "über", "aus", "im", "ins", "dieses",
    "diese", "dieser", "diesen", "kein", "keine", "keinen", "können", "kann", "konnte", "müssen", "muss", "sich",
    "sowie", "bis", "seit", "durch", "gegen", "ohne", "wie", "wo", "welche", "hier", "nur", "schon", "jetzt",
    "alle", "mehr", "sein", "ob", "dass", "zwischen", "unter", "vor", "nächsten", "wählen", "sollen", "soll"
})
ENGLISH_WORDS = frozenset({
    "the", "and", "is", "are", "not", "with", "for", "on", "of", "to", "from", "you", "your", "yours", "we", "our",
    "please", "has", "have", "had", "been", "were", "this", "that", "these", "those", "be", "by", "or", "if", "at",
    "which", "can", "could", "must", "should", "would", "there", "here", "it", "its", "they", "their", "them",
    "when", "what", "who", "how", "than", "then", "into", "about", "after", "before", "only", "any", "other",
    "such", "may", "do", "does", "did", "up", "out", "yes", "no", "none", "as", "new", "next", "back", "save",
    "cancel", "send"
})
# Whole texts of one or two words that are unmistakably the other language (buttons, links).
GERMAN_PHRASES = frozenset({
    "speichern", "abbrechen", "zurück", "weiter", "absenden", "suchen", "löschen", "bearbeiten", "ja", "nein",
    "schließen", "anmelden", "abmelden", "hochladen", "herunterladen", "filtern", "zurücksetzen", "ändern",
    "entfernen", "hinzufügen", "übernehmen", "zuweisen", "prüfen"
})
ENGLISH_PHRASES = frozenset({
    "save", "cancel", "back", "next", "submit", "search", "delete", "edit", "yes", "no", "close", "login", "logout",
    "upload", "download", "filter", "reset", "change", "remove", "add", "assign", "review"
})
WORDS = {"de": GERMAN_WORDS, "en": ENGLISH_WORDS}
PHRASES = {"de": GERMAN_PHRASES, "en": ENGLISH_PHRASES}
OTHER = {"de": "en", "en": "de"}

_WORD = re.compile(r"[a-zäöüß]+")


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def without(text: str, ignored: Iterable[str]) -> str:
    """``text`` with every occurrence of the ignored strings (names, typed-in data) cut out."""
    for item in ignored:
        if item and item.lower() in text.lower():
            text = re.sub(re.escape(item), " ", text, flags=re.IGNORECASE)
    return text


def wrong_language(text: str, expected: str, ignored: Iterable[str] = ()) -> bool:
    """Whether ``text`` reads as the other language than ``expected`` ("de" or "en").

    Two or more function words of the other language outnumbering those of the expected one, or a
    short text (a button, a link) that is one of the other language's usual commands.
    """
    other = OTHER.get(expected)
    if other is None:
        return False
    words = words_of(without(text, ignored))
    if not words:
        return False
    if len(words) <= 2 and " ".join(words) in PHRASES[other] and " ".join(words) not in PHRASES[expected]:
        return True
    foreign = sum(word in WORDS[other] for word in words)
    own = sum(word in WORDS[expected] for word in words)
    return foreign >= 2 and foreign > own
