"""Building the knowledge base: load, validate, compile; raise when it cannot be used.

`hipdx.engine.default_engine` holds the packaged knowledge base once per process; between
processes the compiled knowledge base is kept on disk (`hipdx.kb.cache`), keyed by the content
it is built from, so a start reads it back instead of building it again.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path

from hipdx.exceptions import KnowledgeBaseError
from hipdx.issues import Issue, errors_in
from hipdx.kb.cache import cached_knowledge
from hipdx.kb.compiled import CompiledKB, compile_knowledge
from hipdx.kb.loader import KnowledgeBase, default_root, load
from hipdx.kb.validate import validate


def check_knowledge(
    root: Path | Traversable | None = None, *, codes: bool = True
) -> tuple[KnowledgeBase | None, list[Issue]]:
    """Load and validate; every problem found, errors and warnings (``codes``: the ICD-10-CM
    codes too, which needs the code table: `hipdx kb check` does, a start does not)."""
    result = load(root)
    if result.knowledge is None:
        return None, result.issues
    return result.knowledge, result.issues + validate(result.knowledge, codes=codes)


def load_knowledge(root: Path | Traversable | None = None, *, cache: bool = True) -> CompiledKB:
    """The compiled knowledge base at ``root`` (the packaged one by default), read back from
    the on-disk cache when it holds this very build (``cache=False``: always build)."""

    def build() -> CompiledKB:
        knowledge, issues = check_knowledge(root, codes=False)
        errors = errors_in(issues)
        if knowledge is None or errors:
            raise KnowledgeBaseError("the knowledge base is invalid", errors)
        return compile_knowledge(knowledge)

    if not cache:
        return build()
    return cached_knowledge(root if root is not None else default_root(), build)
