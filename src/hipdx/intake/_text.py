"""A note made fit to read, once, where text enters intake (`hipdx.Engine.parse`).

Unicode is normalised (NFC: composed accents, so "é" is one character however it was typed);
lone surrogates (undecodable bytes from the command line), control characters and invisible
format characters (zero-width spaces, bidirectional overrides, soft hyphens) are dropped, a
control character between words becoming a space; line ends become ``\\n``. What was removed is
reported, so the reader can tell the text was changed. Empty and over-long notes are refused here,
before the (slow) reader is built.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hipdx.exceptions import InvalidCaseError
from hipdx.inference.case import MAX_TEXT_CHARS
from hipdx.issues import Issue, error, warning

#: Characters removed without a trace: format characters (zero-width, bidi, soft hyphen, BOM).
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
#: Characters replaced by a space: C0 and C1 controls but tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class CleanText:
    """The text to read, and what was taken out of the text given."""

    text: str
    issues: tuple[Issue, ...]


def clean_text(text: object) -> CleanText:
    """``text`` normalised and stripped of what cannot be read; raises `InvalidCaseError` when
    it is not text, or is empty or too long to read."""
    if not isinstance(text, str):
        raise InvalidCaseError(
            "there is no text to parse",
            [error("text", f"expected text, got {type(text).__name__}", "give a note")],
        )
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidCaseError("the text is too long to parse", [_too_long(len(text))])
    removed: dict[str, int] = {}
    text = _sub(_SURROGATE, "", text, "undecodable character", removed)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _sub(_CONTROL, " ", text, "control character", removed)
    text = _sub(_INVISIBLE, "", text, "invisible character", removed)
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        left = (
            ""
            if not removed
            else " once "
            + ", ".join(
                f"{count:,} {what}{'' if count == 1 else 's'}" for what, count in removed.items()
            )
            + " are removed"
        )
        raise InvalidCaseError(
            "there is no text to parse", [error("text", f"the text is empty{left}", "give a note")]
        )
    if len(text) > MAX_TEXT_CHARS:  # normalising can lengthen a text
        raise InvalidCaseError("the text is too long to parse", [_too_long(len(text))])
    return CleanText(text, tuple(_removal_issues(removed)))


def _sub(pattern: re.Pattern[str], by: str, text: str, what: str, counts: dict[str, int]) -> str:
    new, count = pattern.subn(by, text)
    if count:
        counts[what] = counts.get(what, 0) + count
    return new


def _removal_issues(removed: dict[str, int]) -> list[Issue]:
    return [
        warning(
            "text",
            f"removed {count:,} {what}{'' if count == 1 else 's'} before reading",
            "check that the note was copied whole",
        )
        for what, count in removed.items()
    ]


def _too_long(length: int) -> Issue:
    return error(
        "text",
        f"{length:,} characters; at most {MAX_TEXT_CHARS:,} are accepted",
        "parse one encounter's note at a time",
    )
