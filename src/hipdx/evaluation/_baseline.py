"""The text-retrieval baseline: TF-IDF ranking of each condition's text against the case text.

A condition's text is its name, synonyms, summary, plain summary and the clinician wording of the
findings it has evidence for. No triage. Scores are cosine similarities, normalised to sum to one
so that a Brier score can be computed beside hipdx's.
"""

from __future__ import annotations

import math
import re
from collections import Counter

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


class TfidfBaseline:
    """Ranks the conditions of ``kb`` by TF-IDF cosine similarity to a text."""

    def __init__(self, kb: CompiledKB) -> None:
        self.condition_ids = kb.condition_ids
        documents = [Counter(tokens(_condition_text(kb, c))) for c in kb.condition_ids]
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
        total = float(similarity.sum())
        scores = similarity / total if total > 0 else np.full(len(similarity), 1 / len(similarity))
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], self.condition_ids[i]))
        return [(self.condition_ids[i], float(scores[i])) for i in order]

    def _vector(self, counts: Counter[str]) -> npt.NDArray[np.float64]:
        vector = np.zeros(len(self._column))
        for word, count in counts.items():
            if word in self._column:
                vector[self._column[word]] = 1 + math.log(count)
        vector *= self._idf
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector


def _condition_text(kb: CompiledKB, condition_id: str) -> str:
    condition = kb.condition(condition_id)
    evidence = [kb.finding(r.finding).clinician for r in condition.evidence]
    parts = [condition.name, *condition.synonyms, condition.summary, condition.plain_summary]
    return " ".join([*parts, *evidence])
