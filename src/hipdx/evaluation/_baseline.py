"""The text-retrieval baselines: TF-IDF (cosine) and Okapi BM25 ranking of each condition's
text against the case text.

A condition's text is its name, synonyms, summary, plain summary and the clinician wording of the
findings it has evidence for, **frozen** in ``baseline_corpus.json`` (written by
`freeze_corpus` from the knowledge base of the time), so that the baselines' figures do not move
whenever the knowledge base's text changes. No triage. Scores are normalised to sum to one so
that a Brier score can be computed beside hipdx's.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import resources

import numpy as np
import numpy.typing as npt

from hipdx.kb.compiled import CompiledKB

_WORD = re.compile(r"[a-z][a-z0-9]+")
_STOP_WORDS = (
    "the and with for was were has had her his she him this that from are not but or of in "
    "on to a an at by as is it be no any which when there their they into after over than"
)
_STOP = frozenset(_STOP_WORDS.split())


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


#: The frozen condition texts (package data).
CORPUS_FILE = "baseline_corpus.json"
#: Okapi BM25's usual parameters (Robertson and Zaragoza 2009): term-frequency saturation and
#: length normalisation.
BM25_K1, BM25_B = 1.2, 0.75


def frozen_corpus() -> dict[str, str]:
    """Condition id -> text, as frozen in the package."""
    text = resources.files("hipdx.evaluation").joinpath(CORPUS_FILE).read_text(encoding="utf-8")
    corpus: dict[str, str] = json.loads(text)["conditions"]
    return corpus


def freeze_corpus(kb: CompiledKB) -> dict[str, object]:
    """The document to write to ``baseline_corpus.json`` from ``kb``'s condition texts."""
    return {
        "kb_version": kb.version,
        "note": "Frozen condition texts of the text-retrieval baselines; regenerate only on "
        "purpose (scripts/freeze_baseline_corpus.py), and say so beside the figures.",
        "conditions": {c: _condition_text(kb, c) for c in kb.condition_ids},
    }


def _documents(
    condition_ids: Sequence[str], corpus: Mapping[str, str] | None
) -> list[Counter[str]]:
    texts = frozen_corpus() if corpus is None else corpus
    return [Counter(tokens(texts.get(c, ""))) for c in condition_ids]


def _normalised(
    condition_ids: Sequence[str], scores: npt.NDArray[np.float64]
) -> list[tuple[str, float]]:
    total = float(scores.sum())
    shares = scores / total if total > 0 else np.full(len(scores), 1 / len(scores))
    order = sorted(range(len(shares)), key=lambda i: (-shares[i], condition_ids[i]))
    return [(condition_ids[i], float(shares[i])) for i in order]


class TfidfBaseline:
    """Ranks the conditions of ``kb`` by TF-IDF cosine similarity to a text (a condition the
    frozen corpus does not hold has no text and scores 0)."""

    def __init__(self, kb: CompiledKB, corpus: Mapping[str, str] | None = None) -> None:
        self.condition_ids = kb.condition_ids
        documents = _documents(kb.condition_ids, corpus)
        vocabulary = sorted({w for d in documents for w in d})
        self._column = {w: i for i, w in enumerate(vocabulary)}
        frequency = Counter(w for d in documents for w in d)
        self._idf = np.array(
            [math.log((1 + len(documents)) / (1 + frequency[w])) + 1 for w in vocabulary]
        )
        self._matrix = np.vstack([self._vector(d) for d in documents])

    def rank(self, text: str) -> list[tuple[str, float]]:
        """(condition, score) best first; the scores sum to one (uniform if nothing matches)."""
        similarity = self._matrix @ self._vector(Counter(tokens(text)))
        return _normalised(self.condition_ids, similarity)

    def _vector(self, counts: Counter[str]) -> npt.NDArray[np.float64]:
        vector = np.zeros(len(self._column))
        for word, count in counts.items():
            if word in self._column:
                vector[self._column[word]] = 1 + math.log(count)
        vector *= self._idf
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector


class Bm25Baseline:
    """Ranks the conditions of ``kb`` by Okapi BM25 of a text (the query) against each
    condition's frozen text: Σ over query words of idf × tf·(k1 + 1) / (tf + k1·(1 − b + b·len /
    mean len)), with idf = log(1 + (N − n + 0.5) / (n + 0.5))."""

    def __init__(self, kb: CompiledKB, corpus: Mapping[str, str] | None = None) -> None:
        self.condition_ids = kb.condition_ids
        self._documents = _documents(kb.condition_ids, corpus)
        lengths = np.array([sum(d.values()) for d in self._documents], dtype=np.float64)
        mean = float(lengths.mean()) if lengths.size and lengths.mean() > 0 else 1.0
        self._norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / mean)
        frequency = Counter(w for d in self._documents for w in d)
        n = len(self._documents)
        self._idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in frequency.items()}

    def rank(self, text: str) -> list[tuple[str, float]]:
        """(condition, score) best first; the scores sum to one (uniform if nothing matches)."""
        scores = np.zeros(len(self._documents))
        for word in set(tokens(text)):
            idf = self._idf.get(word)
            if idf is None:
                continue
            tf = np.array([d.get(word, 0) for d in self._documents], dtype=np.float64)
            scores += idf * tf * (BM25_K1 + 1) / (tf + self._norm)
        return _normalised(self.condition_ids, scores)


def _condition_text(kb: CompiledKB, condition_id: str) -> str:
    condition = kb.condition(condition_id)
    evidence = [kb.finding(r.finding).clinician for r in condition.evidence]
    parts = [condition.name, *condition.synonyms, condition.summary, condition.plain_summary]
    return " ".join([*parts, *evidence])
