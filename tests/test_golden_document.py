"""The full result document of the seed case is pinned by a golden file.

A deliberate change to the knowledge base or the engine regenerates it:
``HIPDX_UPDATE_GOLDEN=1 pytest tests/test_golden_document.py`` and review the diff.

The golden file holds floats to 12 significant digits; numbers are compared to a relative
tolerance of 1e-9 (absolute 1e-12 near zero): the document
holds the engine's floats at full precision, whose last digits depend on the CPU and the maths
library (a likelihood ratio of 0.29999999999999993 on one machine is 0.3 on another), while a
real change to the knowledge or the engine moves them by far more than 1e-9. Everything else
(ids, ranks, text, order, the set of keys) must be identical.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hipdx
from hipdx.kb.compiled import CompiledKB

GOLDEN = Path(__file__).parent / "golden" / "seed_case_with_mri.json"
FIXED_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_seed_case_document_matches_the_golden_file(
    kb: CompiledKB, seed_case_with_mri: dict[str, Any]
) -> None:
    document = hipdx.assess(seed_case_with_mri, knowledge=kb, now=FIXED_TIME).document()
    document["metadata"]["hipdx_version"] = "pinned"
    text = json.dumps(_rounded(document), indent=2, sort_keys=True) + "\n"
    if os.environ.get("HIPDX_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text)
    assert GOLDEN.exists(), "run with HIPDX_UPDATE_GOLDEN=1 to create the golden file"
    differences = list(_differences(json.loads(GOLDEN.read_text()), json.loads(text)))
    assert not differences, "\n".join(differences[:20])


RELATIVE, ABSOLUTE = 1e-9, 1e-12


def _rounded(value: Any) -> Any:
    """The document with every float to 12 significant digits, so that the golden file is the
    same whichever machine writes it and its diff shows only real changes."""
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return float(f"{value:.12g}") if isinstance(value, float) else value


def _differences(expected: Any, actual: Any, where: str = "") -> Iterator[str]:
    """Where ``actual`` differs from ``expected``: numbers beyond the tolerance, anything else
    at all."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(expected.keys() | actual.keys()):
            if key not in expected or key not in actual:
                yield f"{where}.{key}: only in {'the golden file' if key in expected else 'now'}"
            else:
                yield from _differences(expected[key], actual[key], f"{where}.{key}")
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            yield f"{where}: {len(expected)} items in the golden file, {len(actual)} now"
        for index, (old, new) in enumerate(zip(expected, actual, strict=False)):
            yield from _differences(old, new, f"{where}[{index}]")
    elif _number(expected) and _number(actual):
        if not math.isclose(expected, actual, rel_tol=RELATIVE, abs_tol=ABSOLUTE):
            yield f"{where}: {expected} in the golden file, {actual} now"
    elif expected != actual or type(expected) is not type(actual):
        yield f"{where}: {expected!r} in the golden file, {actual!r} now"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def test_the_comparison_tolerates_the_last_digits_and_nothing_more() -> None:
    assert not list(_differences({"lr": [0.3, 1]}, {"lr": [0.29999999999999993, 1.0]}))
    assert list(_differences({"lr": 0.3}, {"lr": 0.3001}))
    assert list(_differences({"rank": 1}, {"rank": True}))
    assert list(_differences({"a": [1, 2]}, {"a": [1]}))
    assert list(_differences({"a": "x"}, {"a": "x", "b": 1}))
