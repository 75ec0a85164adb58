"""Write the text-retrieval baselines' frozen condition texts from the packaged knowledge base.

Run only on purpose (the baselines' figures move with it), and say so beside the figures:
    .venv/bin/python scripts/freeze_baseline_corpus.py
"""

from __future__ import annotations

import json
from pathlib import Path

import hipdx
from hipdx.evaluation._baseline import CORPUS_FILE, freeze_corpus

TARGET = Path(__file__).parent.parent / "src" / "hipdx" / "evaluation" / CORPUS_FILE

if __name__ == "__main__":
    document = freeze_corpus(hipdx.default_engine().knowledge)
    TARGET.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {TARGET} (kb {document['kb_version']})")
