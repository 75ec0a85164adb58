"""Layers point inward, and the public API is what we say it is."""

from __future__ import annotations

import ast
from pathlib import Path

import hipdx

PACKAGE = Path(hipdx.__file__).parent
#: A layer may import only the layers listed for it (and itself).
ALLOWED = {
    "kb": {"kb", "_types", "_suggest", "issues", "exceptions"},
    "inference": {"inference", "kb", "_types", "_suggest", "issues", "exceptions"},
    "intake": {"intake", "inference", "kb", "knowledge_base", "_types", "issues", "exceptions"},
    "evaluation": {
        "evaluation",
        "intake",
        "inference",
        "kb",
        "knowledge_base",
        "_types",
        "issues",
        "exceptions",
    },
}
#: Libraries a layer may use although the core may not.
PERMITTED = {"intake": {"spacy", "medspacy"}, "evaluation": {"matplotlib"}}
FORBIDDEN_IN_CORE = {
    "fastapi",
    "sqlalchemy",
    "typer",
    "rich",
    "spacy",
    "medspacy",
    "httpx",
    "matplotlib",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_core_layers_import_only_inward() -> None:
    for layer, allowed in ALLOWED.items():
        for path in (PACKAGE / layer).glob("*.py"):
            for name in _imports(path):
                top = name.split(".")[0]
                if top == "hipdx":
                    inner = name.split(".")[1] if "." in name else ""
                    assert inner in allowed, f"{path.name} ({layer}) imports {name}"
                forbidden = FORBIDDEN_IN_CORE - PERMITTED.get(layer, set())
                assert top not in forbidden, f"{path.name} ({layer}) imports {name}"


def test_the_public_api_is_exactly_the_exported_names() -> None:
    def isort_style(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert hipdx.__all__ == sorted(hipdx.__all__, key=isort_style)
    assert set(hipdx.__all__) == {
        "DISCLAIMER",
        "Asker",
        "Assessment",
        "Case",
        "CompiledKB",
        "Grade",
        "HipdxError",
        "InvalidCaseError",
        "Issue",
        "KnowledgeBaseError",
        "Setting",
        "Sex",
        "TriageLevel",
        "__version__",
        "assess",
        "load_knowledge",
        "next_questions",
        "parse",
    }
    for name in hipdx.__all__:
        assert hasattr(hipdx, name)


def test_no_clinical_number_lives_in_python() -> None:
    """Probabilities belong in the knowledge files: no float literal between 0 and 1 in the
    engine (0.5 as a tolerance or plain 1.0 would be caught too, so none is used)."""
    for path in (PACKAGE / "inference").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                assert not 0.0 < node.value < 1.0 or node.value < 1e-6, f"{path.name}: {node.value}"


def test_kb_and_inference_do_not_import_nlp_code() -> None:
    for layer in ("kb", "inference"):
        for path in (PACKAGE / layer).glob("*.py"):
            for name in _imports(path):
                assert not name.startswith(("hipdx.intake", "spacy", "medspacy")), path.name
