"""Problems found in input or knowledge, as values (level, where, message, fix)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class IssueLevel(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Issue(BaseModel):
    """One problem: where it is, what is wrong, and how to fix it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: IssueLevel
    where: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.level.value}: {self.where}: {self.message}"
        return f"{text} (fix: {self.fix})" if self.fix else text


def error(where: str, message: str, fix: str = "") -> Issue:
    return Issue(level=IssueLevel.ERROR, where=where, message=message, fix=fix)


def warning(where: str, message: str, fix: str = "") -> Issue:
    return Issue(level=IssueLevel.WARNING, where=where, message=message, fix=fix)


def errors_in(issues: list[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.level is IssueLevel.ERROR]


#: How many characters of an id or a value from the input an issue repeats.
SHORT = 60
#: How many issues a message shows before counting the rest.
SHOWN = 5


def shorten(text: str, limit: int = SHORT) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was when it is cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def summary_lines(issues: list[Issue], shown: int = SHOWN) -> list[str]:
    """The first ``shown`` issues, one line each, then how many more there are."""
    lines = [str(issue) for issue in issues[:shown]]
    if len(issues) > shown:
        lines.append(f"… and {len(issues) - shown:,} more")
    return lines
