"""Exceptions: for what stops the work. Problems that can be reported are `Issue` values.

HipdxError
├── KnowledgeBaseError      the knowledge base cannot be loaded or fails validation
├── InvalidCaseError        a case cannot be assessed (unknown ids, contradictions, bad values)
└── InvalidAnswerError      an interview answer does not fit (not the question asked, a choice
                            not offered, the interview has ended, a saved session that is damaged)
"""

from __future__ import annotations

from hipdx.issues import Issue, summary_lines


class HipdxError(Exception):
    """Base class of every error hipdx raises on purpose."""


class _IssuesError(HipdxError):
    def __init__(self, summary: str, issues: list[Issue]) -> None:
        self.issues = list(issues)
        detail = "\n".join(f"  - {line}" for line in summary_lines(self.issues))
        super().__init__(f"{summary}\n{detail}" if detail else summary)


class KnowledgeBaseError(_IssuesError):
    """The knowledge base is missing, unreadable or invalid."""


class InvalidCaseError(_IssuesError):
    """The case refers to unknown findings, contradicts itself, or carries bad values."""


class InvalidAnswerError(_IssuesError):
    """An interview answer or saved session does not fit the interview."""
