"""Example strings for regular expressions (a text field's sample answer for its ``pattern``)."""

from __future__ import annotations

import re
from re import _parser as sre_parse
from typing import Any


def example_for_pattern(pattern: str) -> str:
    """The shortest simple string matching a regular expression (common constructs only)."""
    text = _generate(sre_parse.parse(pattern))
    if not re.fullmatch(pattern, text):
        raise ValueError(f"cannot build an example for pattern {pattern!r}")
    return text


_CATEGORY_SAMPLES = {
    sre_parse.CATEGORY_DIGIT: "1",
    sre_parse.CATEGORY_WORD: "a",
    sre_parse.CATEGORY_SPACE: " ",
    sre_parse.CATEGORY_NOT_DIGIT: "a",
    sre_parse.CATEGORY_NOT_WORD: "-",
    sre_parse.CATEGORY_NOT_SPACE: "a",
}


def _generate(parsed: Any) -> str:
    out = []
    for op, arg in parsed:
        if op is sre_parse.LITERAL:
            out.append(chr(arg))
        elif op is sre_parse.NOT_LITERAL:
            out.append("a" if chr(arg) != "a" else "b")
        elif op is sre_parse.ANY:
            out.append("a")
        elif op is sre_parse.IN:
            out.append(_sample_in(arg))
        elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
            low, _high, sub = arg
            out.append(_generate(sub) * low)
        elif op is sre_parse.SUBPATTERN:
            out.append(_generate(arg[-1]))
        elif op is sre_parse.BRANCH:
            out.append(_generate(arg[1][0]))
        elif op is sre_parse.CATEGORY:
            out.append(_CATEGORY_SAMPLES[arg])
        elif op is not sre_parse.AT:
            raise ValueError(f"unsupported regular expression construct {op}")
    return "".join(out)


def _sample_in(items: list[tuple[Any, Any]]) -> str:
    if items and items[0][0] is sre_parse.NEGATE:
        excluded = _generate([i for i in items[1:] if i[0] is not sre_parse.RANGE])
        return next(c for c in "aZ1-" if c not in excluded)
    op, arg = items[0]
    if op is sre_parse.LITERAL:
        return chr(arg)
    if op is sre_parse.RANGE:
        return chr(arg[0])
    return _CATEGORY_SAMPLES[arg]
