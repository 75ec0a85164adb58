"""Reports made from results, free of any interface library: plain sentences for every
interface (`sentences`) and the knowledge base as a Markdown document (`knowledge_markdown`).
"""

from __future__ import annotations

from hipdx.report.knowledge_markdown import knowledge_markdown
from hipdx.report.sentences import (
    LEVEL_MEANING,
    describe_contribution,
    describe_reason,
    percent,
)

__all__ = [
    "LEVEL_MEANING",
    "describe_contribution",
    "describe_reason",
    "knowledge_markdown",
    "percent",
]
