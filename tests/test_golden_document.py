"""The full result document of the seed case is pinned by a golden file.

A deliberate change to the knowledge base or the engine regenerates it:
``HIPDX_UPDATE_GOLDEN=1 pytest tests/test_golden_document.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
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
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if os.environ.get("HIPDX_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text)
    assert GOLDEN.exists(), "run with HIPDX_UPDATE_GOLDEN=1 to create the golden file"
    assert json.loads(GOLDEN.read_text()) == json.loads(text)
