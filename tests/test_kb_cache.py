"""The compiled knowledge base is kept on disk between runs, keyed by what it is built from:
read back when nothing changed, rebuilt when a file changed or the cache file is damaged."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import hipdx
from hipdx.kb.cache import cache_dir, cached_knowledge, source_key
from hipdx.kb.compiled import CompiledKB

TINY_KB = Path(__file__).parent / "fixtures" / "tiny_kb"


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the tiny knowledge base, and a cache folder of this test's own."""
    monkeypatch.setenv("HIPDX_CACHE_DIR", str(tmp_path / "cache"))
    return Path(shutil.copytree(TINY_KB, tmp_path / "kb"))


class _Builds:
    """A build that counts how often it runs."""

    def __init__(self, root: Path) -> None:
        self.root, self.count = root, 0

    def __call__(self) -> CompiledKB:
        self.count += 1
        return hipdx.load_knowledge(self.root, cache=False)


def _same(first: CompiledKB, second: CompiledKB) -> bool:
    return (
        first.version == second.version
        and first.condition_ids == second.condition_ids
        and np.array_equal(first.log_lr_present, second.log_lr_present)
        and first.knowledge.conditions == second.knowledge.conditions
    )


def test_a_second_start_reads_the_build_back(knowledge: Path) -> None:
    build = _Builds(knowledge)
    first = cached_knowledge(knowledge, build)
    second = cached_knowledge(knowledge, build)
    assert build.count == 1 and _same(first, second)
    assert len(list((knowledge.parent / "cache").glob("compiled-*.pickle"))) == 1


def test_a_changed_knowledge_file_is_rebuilt(knowledge: Path) -> None:
    build = _Builds(knowledge)
    before = source_key(knowledge)
    cached_knowledge(knowledge, build)
    path = next(knowledge.rglob("*.yaml"))
    path.write_text(path.read_text() + "\n# a comment changes the bytes\n")
    assert source_key(knowledge) != before
    cached_knowledge(knowledge, build)
    assert build.count == 2


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_a_damaged_cache_file_is_detected_and_rebuilt(knowledge: Path, damage: str) -> None:
    build = _Builds(knowledge)
    first = cached_knowledge(knowledge, build)
    (path,) = (knowledge.parent / "cache").glob("compiled-*.pickle")
    data = path.read_bytes()
    damaged = {
        "truncate": data[: len(data) // 2],
        "flip": data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:],
        "garbage": b"not a cache file",
    }[damage]
    path.write_bytes(damaged)
    again = cached_knowledge(knowledge, build)
    assert build.count == 2 and _same(first, again)
    assert path.read_bytes() == data  # rewritten whole


def test_the_cache_can_be_turned_off(knowledge: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIPDX_CACHE_DIR", "off")
    assert cache_dir() is None
    build = _Builds(knowledge)
    cached_knowledge(knowledge, build)
    cached_knowledge(knowledge, build)
    assert build.count == 2


def test_the_packaged_knowledge_base_from_the_cache_assesses_alike(
    seed_case_with_mri: dict[str, object],
) -> None:
    built = hipdx.load_knowledge(cache=False)
    cached = hipdx.load_knowledge()
    again = hipdx.load_knowledge()
    assert _same(built, cached) and _same(cached, again)
    first = hipdx.assess(seed_case_with_mri, knowledge=built).document()
    second = hipdx.assess(seed_case_with_mri, knowledge=again).document()
    first["metadata"].pop("created"), second["metadata"].pop("created")
    assert first == second
