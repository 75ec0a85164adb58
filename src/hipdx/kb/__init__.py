"""The knowledge base as code: the file format (`schema`), reading the YAML (`loader`), the
language resources' format (`language`), validation (`validate`, `hipdx kb check`), red-flag
rules (`rules`), the compiled arrays the engine computes with (`compiled`), building all of it
(`build`), and read-only lookups for reports (`views`). The data itself lives in
``hipdx/knowledge/`` (its README says where each new thing goes).
"""

from __future__ import annotations

from hipdx.kb.build import check_knowledge, load_knowledge
from hipdx.kb.compiled import CompiledKB, compile_knowledge
from hipdx.kb.loader import KnowledgeBase

__all__ = ["CompiledKB", "KnowledgeBase", "check_knowledge", "compile_knowledge", "load_knowledge"]
