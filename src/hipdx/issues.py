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
