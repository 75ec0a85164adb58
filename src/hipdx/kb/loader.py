"""Read knowledge files (YAML) into one `KnowledgeBase`, remembering each item's file.

Items of a kind are kept in path order (files sorted by path, then their order in the file): the
order of conditions, red flags and groups feeds sums, and a phrase two findings list belongs to the
first. The ``language/`` folder holds intake's language resources, read by `hipdx.kb.language`;
they are not knowledge files and are not part of the version hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hipdx.issues import Issue, error
from hipdx.kb.language import LANGUAGE_FOLDER, Language, load_language
from hipdx.kb.schema import (
    Condition,
    Finding,
    FindingGroup,
    InterviewPolicy,
    KnowledgeFile,
    RedFlag,
    Reference,
    TriagePolicy,
)


@dataclass(frozen=True)
class KnowledgeBase:
    """Every item of every knowledge file, in file order, with the file it came from."""

    version: str
    references: tuple[Reference, ...]
    findings: tuple[Finding, ...]
    groups: tuple[FindingGroup, ...]
    conditions: tuple[Condition, ...]
    red_flags: tuple[RedFlag, ...]
    triage: TriagePolicy | None
    interview: InterviewPolicy | None = None
    origin: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    language: Language | None = None  # the folder's language resources, where it has them

    def where(self, kind: str, item_id: str) -> str:
        """The file (or files, for a duplicate) that hold an item, for messages."""
        return ", ".join(dict.fromkeys(self.origin.get((kind, item_id), ("?",))))


@dataclass
class LoadResult:
    knowledge: KnowledgeBase | None
    issues: list[Issue]


def default_root() -> Traversable:
    return resources.files("hipdx").joinpath("knowledge")


def packaged_language() -> Traversable:
    """The language resources shipped with hipdx (``knowledge/language/``)."""
    return default_root().joinpath(LANGUAGE_FOLDER)


def load(root: Path | Traversable | None = None) -> LoadResult:
    """Parse every ``*.yaml`` below ``root`` (the packaged knowledge by default)."""
    base = root if root is not None else default_root()
    files = sorted(
        (item for item in _yaml_files(base, "") if not item[0].startswith(f"{LANGUAGE_FOLDER}/")),
        key=lambda item: item[0],
    )
    if not files:
        return LoadResult(None, [error(str(base), "no knowledge files (*.yaml) found")])
    issues: list[Issue] = []
    parsed: list[tuple[str, KnowledgeFile]] = []
    digest = hashlib.sha256()
    for name, entry in files:
        data = entry.read_bytes()
        digest.update(name.encode() + b"\0" + data + b"\0")
        knowledge_file = _parse_file(name, data, issues)
        if knowledge_file is not None:
            parsed.append((name, knowledge_file))
    language, language_issues = _language(base)
    issues.extend(language_issues)
    if issues:
        return LoadResult(None, issues)
    knowledge = _merge(parsed, digest.hexdigest()[:12], issues)
    return LoadResult(replace(knowledge, language=language), issues)


def _language(base: Path | Traversable) -> tuple[Language | None, list[Issue]]:
    folder = base.joinpath(LANGUAGE_FOLDER)
    return load_language(folder) if folder.is_dir() else (None, [])


def _yaml_files(node: Path | Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for child in node.iterdir():
        name = f"{prefix}{child.name}"
        if child.is_dir():
            yield from _yaml_files(child, f"{name}/")
        elif child.name.endswith((".yaml", ".yml")):
            yield name, child


def _parse_file(name: str, data: bytes, issues: list[Issue]) -> KnowledgeFile | None:
    try:
        raw = yaml.safe_load(data) or {}
    except yaml.YAMLError as exc:
        issues.append(error(name, f"not valid YAML: {exc}"))
        return None
    if not isinstance(raw, dict):
        issues.append(error(name, "a knowledge file must be a mapping of lists"))
        return None
    try:
        return KnowledgeFile.model_validate(raw)
    except ValidationError as exc:
        issues.extend(_validation_issues(name, raw, exc))
        return None


def _validation_issues(name: str, raw: dict[str, Any], exc: ValidationError) -> list[Issue]:
    seen: set[tuple[str, str]] = set()
    issues = []
    for problem in exc.errors():
        where = f"{name}: {_describe_location(raw, problem['loc'])}"
        if (where, problem["msg"]) in seen:
            continue  # a union reports the same place once per alternative
        seen.add((where, problem["msg"]))
        issues.append(error(where, problem["msg"], f"input was {problem.get('input')!r}"[:200]))
    return issues


def _describe_location(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic location into ``conditions[psoas_abscess].evidence[fever].sensitivity``."""
    text = ""
    node = raw
    for step in loc:
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            node = node[step]
            text += f"[{_label(node) or step}]"
        else:
            node = node.get(step) if isinstance(node, dict) else None
            text += f".{step}" if text else str(step)
    return text


def _label(node: Any) -> str | None:
    if isinstance(node, dict):
        for key in ("id", "finding", "level"):
            if isinstance(node.get(key), str):
                return str(node[key])
    return None


def _merge(
    parsed: list[tuple[str, KnowledgeFile]], version: str, issues: list[Issue]
) -> KnowledgeBase:
    origin: dict[tuple[str, str], tuple[str, ...]] = {}
    kinds = ("references", "findings", "groups", "conditions", "red_flags")
    merged: dict[str, list[Any]] = {kind: [] for kind in kinds}
    triage: TriagePolicy | None = None
    interview: InterviewPolicy | None = None
    for name, knowledge_file in parsed:
        for kind in kinds:
            for item in getattr(knowledge_file, kind):
                merged[kind].append(item)
                origin[(kind, item.id)] = (*origin.get((kind, item.id), ()), name)
        if knowledge_file.triage is not None:
            if triage is not None:
                issues.append(error(name, "a second 'triage' policy; there must be exactly one"))
            triage = knowledge_file.triage
            origin[("triage", "triage")] = (name,)
        if knowledge_file.interview is not None:
            if interview is not None:
                issues.append(error(name, "a second 'interview' policy; there may be only one"))
            interview = knowledge_file.interview
            origin[("interview", "interview")] = (name,)
    return KnowledgeBase(
        version=version,
        references=tuple(merged["references"]),
        findings=tuple(merged["findings"]),
        groups=tuple(merged["groups"]),
        conditions=tuple(merged["conditions"]),
        red_flags=tuple(merged["red_flags"]),
        triage=triage,
        interview=interview,
        origin=origin,
    )
