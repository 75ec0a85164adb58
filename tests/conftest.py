from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import hipdx
from hipdx.kb.compiled import CompiledKB

HERE = Path(__file__).parent
ROOT = HERE.parent
TINY_KB = HERE / "fixtures" / "tiny_kb"


@pytest.fixture(scope="session")
def engine() -> hipdx.Engine:
    """The default engine: the packaged knowledge base, its question bank and note reader."""
    return hipdx.default_engine()


@pytest.fixture(scope="session")
def kb(engine: hipdx.Engine) -> CompiledKB:
    """The packaged knowledge base."""
    return engine.knowledge


@pytest.fixture(scope="session")
def tiny_kb() -> CompiledKB:
    """Three conditions and five findings, small enough to work out by hand."""
    return hipdx.load_knowledge(TINY_KB)


@pytest.fixture(scope="session")
def seed_case() -> dict[str, Any]:
    """The seed case (shared/seeds/000) as structured findings, presentation only."""
    return _example("seed_case.json")


@pytest.fixture(scope="session")
def seed_case_with_mri() -> dict[str, Any]:
    """The seed case with the femur MRI results added."""
    return _example("seed_case_with_mri.json")


def _example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "examples" / name).read_text())
    return data
