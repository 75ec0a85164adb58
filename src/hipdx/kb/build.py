"""Building the knowledge base: load, validate, compile; raise when it cannot be used.

No cache here: `hipdx.engine.default_engine` holds the packaged knowledge base once per process.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path

from hipdx.exceptions import KnowledgeBaseError
from hipdx.issues import Issue, errors_in
from hipdx.kb.compiled import CompiledKB, compile_knowledge
from hipdx.kb.loader import KnowledgeBase, load
from hipdx.kb.validate import validate


def check_knowledge(
    root: Path | Traversable | None = None,
) -> tuple[KnowledgeBase | None, list[Issue]]:
    """Load and validate; every problem found, errors and warnings."""
    result = load(root)
    if result.knowledge is None:
        return None, result.issues
    return result.knowledge, result.issues + validate(result.knowledge)


def load_knowledge(root: Path | Traversable | None = None) -> CompiledKB:
    """The compiled knowledge base at ``root`` (the packaged one by default)."""
    knowledge, issues = check_knowledge(root)
    errors = errors_in(issues)
    if knowledge is None or errors:
        raise KnowledgeBaseError("the knowledge base is invalid", errors)
    return compile_knowledge(knowledge)
