"""Layers point inward, and the public API is what we say it is."""

from __future__ import annotations

import ast
from pathlib import Path

import hipdx

PACKAGE = Path(hipdx.__file__).parent
_BASE = {"_types", "_suggest", "issues", "exceptions"}
#: A package may import only the packages listed for it (and itself); layers point inward:
#: kb <- inference <- interview <- intake <- engine <- report / evaluation / service / cli;
#: store (tables, repositories, migrations) knows none of the core: it keeps documents.
ALLOWED: dict[str, set[str]] = {
    "kb": {"kb"} | _BASE,
    "inference": {"inference", "kb"} | _BASE,
    "interview": {"interview", "inference", "kb"} | _BASE,
    "intake": {"intake", "inference", "kb"} | _BASE,
    "report": {"report", "inference", "interview", "kb"} | _BASE,
    # "": the public API (`import hipdx`), for the outer layers only
    "evaluation": {"", "evaluation", "engine", "intake", "inference", "interview", "kb"} | _BASE,
    # scoring cohorts: beside the core, on the engine (files and Dask only here)
    "batch": {"", "batch", "engine", "inference", "intake", "kb"} | _BASE,
    "cli": {
        "",
        "batch",
        "cli",
        "engine",
        "evaluation",
        "intake",
        "inference",
        "interview",
        "kb",
        "report",
        "service",
        "store",
        "web",
    }
    | _BASE,
    "store": {"store"} | _BASE,
    # the web page is mounted by the service and knows nothing of it (it is given a backend)
    "web": {"", "web", "engine", "intake", "inference", "interview", "kb", "report", "store"}
    | _BASE,
    "service": {
        "",
        "service",
        "store",
        "web",
        "engine",
        "intake",
        "inference",
        "interview",
        "kb",
        "report",
    }
    | _BASE,
}
#: The only modules at the package root, each named for what it holds.
ROOT_MODULES = {
    "__init__.py",
    "__main__.py",
    "_suggest.py",
    "_types.py",
    "engine.py",
    "exceptions.py",
    "issues.py",
}
#: The root modules' own imports (the engine assembles the core; the rest are leaves).
ROOT_ALLOWED = {
    "engine": {"inference", "interview", "intake", "kb"} | _BASE,
    "_types": set(),
    "_suggest": set(),
    "issues": set(),
    "exceptions": {"issues"},
}
#: Libraries a package may use although the core may not.
PERMITTED = {
    "intake": {"spacy", "medspacy"},
    "evaluation": {"matplotlib"},
    "batch": {"dask", "distributed", "pyarrow", "scipy"},
    "cli": {"typer", "rich", "matplotlib", "uvicorn", "sqlalchemy"},
    "report": {"weasyprint"},  # report/pdf.py: HTML to PDF, no web framework
    "store": {"sqlalchemy"},
    "service": {"fastapi", "sqlalchemy", "uvicorn", "httpx"},
    "web": {"fastapi", "sqlalchemy", "jinja2"},
}
FORBIDDEN_IN_CORE = {
    "fastapi",
    "sqlalchemy",
    "typer",
    "rich",
    "spacy",
    "medspacy",
    "httpx",
    "matplotlib",
    "uvicorn",
    "jinja2",
    "weasyprint",
    "dask",
    "distributed",
    "pyarrow",
    "scipy",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _packages() -> list[Path]:
    return sorted(p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def test_every_package_has_a_layer_and_imports_only_inward() -> None:
    packages = _packages()
    assert {p.name for p in packages} <= set(ALLOWED), "a new package needs its layer here"
    for package in packages:
        allowed = ALLOWED[package.name]
        forbidden = FORBIDDEN_IN_CORE - PERMITTED.get(package.name, set())
        for path in package.rglob("*.py"):
            for name in _imports(path):
                top = name.split(".")[0]
                if top == "hipdx":
                    inner = name.split(".")[1] if "." in name else ""
                    assert inner in allowed, f"{path.name} ({package.name}) imports {name}"
                assert top not in forbidden, f"{path.name} ({package.name}) imports {name}"


def test_the_root_holds_only_the_named_modules() -> None:
    assert {p.name for p in PACKAGE.glob("*.py")} == ROOT_MODULES
    for module, allowed in ROOT_ALLOWED.items():
        for name in _imports(PACKAGE / f"{module}.py"):
            top = name.split(".")[0]
            if top == "hipdx":
                assert name.split(".")[1] in allowed, f"{module}.py imports {name}"
            assert top not in FORBIDDEN_IN_CORE, f"{module}.py imports {name}"


def test_every_package_says_what_it_is_for_and_exports_its_public_names() -> None:
    for package in _packages():
        tree = ast.parse((package / "__init__.py").read_text())
        assert ast.get_docstring(tree), f"{package.name}/__init__.py has no docstring"
        exported = [
            node
            for node in tree.body
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        ]
        assert exported, f"{package.name}/__init__.py has no __all__"


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
        "Engine",
        "Grade",
        "HipdxError",
        "InterviewSession",
        "InvalidAnswerError",
        "InvalidCaseError",
        "Issue",
        "KnowledgeBaseError",
        "Setting",
        "Sex",
        "Suggestion",
        "TriageLevel",
        "__version__",
        "assess",
        "default_engine",
        "load_knowledge",
        "next_questions",
        "parse",
    }
    for name in hipdx.__all__:
        assert hasattr(hipdx, name)


def test_no_clinical_number_lives_in_python() -> None:
    """Probabilities belong in the knowledge files: no float literal between 0 and 1 in the
    engine (0.5 as a tolerance or plain 1.0 would be caught too, so none is used)."""
    for path in [*(PACKAGE / "inference").glob("*.py"), *(PACKAGE / "interview").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                assert not 0.0 < node.value < 1.0 or node.value < 1e-6, f"{path.name}: {node.value}"


def test_kb_and_inference_do_not_import_nlp_code() -> None:
    for layer in ("kb", "inference", "interview"):
        for path in (PACKAGE / layer).glob("*.py"):
            for name in _imports(path):
                assert not name.startswith(("hipdx.intake", "spacy", "medspacy")), path.name
