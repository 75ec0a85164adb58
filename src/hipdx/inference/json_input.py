"""Strict JSON for case input: what `json.loads` lets through silently or crashes on is an
`InvalidCaseError` naming the problem.

Refused: duplicate keys (JSON leaves their meaning open; Python keeps the last one), ``NaN`` and
``Infinity`` (not JSON), numbers too large for a float, integers of more than `MAX_DIGITS`
digits, and nesting deeper than `MAX_DEPTH` (a case is two levels deep).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from hipdx.exceptions import InvalidCaseError
from hipdx.issues import error, shorten

#: The most digits an integer in the input may have (Python refuses over 4,300; a case validates
#: the size of the numbers it keeps).
MAX_DIGITS = 1000
#: The deepest nesting of arrays and objects accepted.
MAX_DEPTH = 64


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class _RefusedError(ValueError):
    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.fix = fix


def parse_json(text: str, *, where: str = "input") -> Any:
    """The value of the JSON ``text``; raises `InvalidCaseError` when it is not strict JSON."""
    _check_depth(text, where)
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_int=_integer,
            parse_float=_real,
            parse_constant=_constant,
        )
    except _RefusedError as exc:
        raise InvalidCaseError("not valid JSON", [error(where, str(exc), exc.fix)]) from None
    except json.JSONDecodeError as exc:
        message = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise InvalidCaseError("not valid JSON", [error(where, message)]) from None
    except (ValueError, RecursionError) as exc:  # anything the decoder itself cannot take
        raise InvalidCaseError("not valid JSON", [error(where, shorten(str(exc)))]) from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _RefusedError(f"the key '{shorten(key)}' appears twice in one object", "keep one")
        seen[key] = value
    return seen


def _integer(digits: str) -> int:
    count = len(digits.lstrip("-"))
    if count > MAX_DIGITS:
        raise _RefusedError(
            f"an integer of {count:,} digits; at most {MAX_DIGITS:,} are accepted",
            "check the number",
        )
    return int(digits)


def _real(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _RefusedError(f"{shorten(text, 20)} is too large for a number", "check the number")
    return value


def _constant(name: str) -> Any:
    raise _RefusedError(f"{name} is not a JSON number", "give a finite number")


def _check_depth(text: str, where: str) -> None:
    """Refuse nesting deeper than `MAX_DEPTH` before decoding (the decoder recurses)."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            raise InvalidCaseError(
                "not valid JSON",
                [error(where, f"nested more than {MAX_DEPTH} levels deep", "flatten it")],
            )
