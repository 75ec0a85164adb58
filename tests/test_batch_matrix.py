"""The vectorised path gives what `hipdx.assess` gives: on generated cases that answer exclusive
groups, measured findings (in range and out of it), derived findings and sex findings directly,
and on rows that cannot be scored. A case the matrix path takes is scored exactly as
`hipdx.assess` scores it; a case `hipdx.assess` refuses is never taken by it."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from hipdx._types import Setting, Sex
from hipdx.batch import CaseMatrix, Chunk, encode_matrix, score_chunk, score_matrix
from hipdx.batch._matrix import LEVELS
from hipdx.engine import Engine
from hipdx.exceptions import InvalidCaseError
from hipdx.kb.compiled import CompiledKB

K = 5


def _numbers(kb: CompiledKB) -> list[tuple[str, float, float]]:
    """Each measured finding (but age) with its plausible range."""
    return [
        (f.id, f.numeric.plausible_min, f.numeric.plausible_max)
        for f in kb.knowledge.findings
        if f.numeric is not None and f.id != "age_years"
    ]


def _row(kb: CompiledKB, rng: random.Random, number: int) -> dict[str, Any]:
    """A case that answers a bit of everything the encoding handles, sometimes wrongly."""
    answerable = [f for f in kb.finding_ids if kb.finding(f).derived is None]
    derived = [f.id for f in kb.knowledge.findings if f.derived is not None]
    row: dict[str, Any] = {"id": f"g{number}", "age": rng.choice([None, rng.randint(0, 100)])}
    row["sex"] = rng.choice([None, "female", "male"])
    row["setting"] = rng.choice(["primary_care", "sports", "emergency"])
    row |= {f: rng.random() < 0.4 for f in rng.sample(answerable, rng.randint(0, 20))}
    for group in kb.groups:
        roll = rng.random()
        if roll < 0.3:
            row[rng.choice(group.members)] = True
        elif roll < 0.45:
            row[rng.choice(group.members)] = False
        elif roll < 0.48:  # two answers of an exclusive group: a contradiction
            row |= dict.fromkeys(rng.sample(group.members, 2), True)
    for finding, low, high in _numbers(kb):
        if rng.random() < 0.15:
            span = high - low
            value = rng.uniform(low - 0.05 * span, high + 0.05 * span)  # a few out of range
            row[finding] = round(value) if rng.random() < 0.5 else round(value, 1)
    if rng.random() < 0.25:
        row[rng.choice(derived)] = rng.random() < 0.5  # may contradict what it derives from
    if rng.random() < 0.1:
        row[rng.choice(["sex_female", "sex_male"])] = rng.random() < 0.5
    if rng.random() < 0.05:
        row["age_years"] = rng.choice([row["age"] or 47, 47])  # the same age again, or another
    return row


def _rows(kb: CompiledKB, count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [_row(kb, rng, i) for i in range(count)]


def _case(row: dict[str, Any]) -> dict[str, Any]:
    reserved = ("id", "age", "sex", "setting")
    case = {k: row[k] for k in reserved[1:] if row.get(k) is not None}
    return case | {"findings": {k: v for k, v in row.items() if k not in reserved}}


def _matrix(rows: list[dict[str, Any]]) -> CaseMatrix:
    answers: dict[str, Any] = {}
    for i, row in enumerate(rows):
        for key, value in _case(row)["findings"].items():
            answers.setdefault(key, np.full(len(rows), np.nan))[i] = float(value)
    return CaseMatrix(
        age=np.array([np.nan if r["age"] is None else float(r["age"]) for r in rows]),
        sex=[None if r["sex"] is None else Sex(r["sex"]) for r in rows],
        setting=[Setting(r["setting"]) for r in rows],
        answers=answers,
    )


@pytest.mark.parametrize("seed", [11, 12])
def test_what_the_matrix_path_takes_it_scores_as_hipdx_assess_does(
    engine: Engine, seed: int
) -> None:
    kb = engine.knowledge
    rows = _rows(kb, 300, seed)
    matrix = _matrix(rows)
    encoded = encode_matrix(kb, matrix)
    scores = score_matrix(kb, matrix, encoded, k=K)
    taken = encoded.usable & ~scores.close
    assert taken.sum() >= len(rows) // 3  # the matrix path, not the engine, scores many rows
    for i, row in enumerate(rows):
        try:
            assessment = engine.assess(_case(row))
        except InvalidCaseError:
            assert not encoded.usable[i], row  # refused by hipdx.assess: never taken
            continue
        if not taken[i]:
            continue
        expected = assessment.differential[:K]
        top = [int(c) for c in scores.top[i] if c >= 0]
        assert [kb.condition_ids[c] for c in top] == [r.condition for r in expected], row
        assert np.allclose(
            scores.top_probability[i][: len(top)], [r.probability for r in expected], atol=1e-9
        )
        assert abs(scores.other_cause[i] - assessment.results.other_cause_probability) <= 1e-9
        assert LEVELS[int(scores.triage_rank[i])] == assessment.triage.level, row
        fired = [kb.knowledge.red_flags[j].id for j in np.flatnonzero(scores.red_flags[i])]
        assert fired == [f.red_flag for f in assessment.results.red_flags], row


def test_the_matrix_path_reads_sex_and_setting_given_as_arrays_of_values(
    engine: Engine,
) -> None:
    kb = engine.knowledge
    rows = _rows(kb, 120, 13)
    as_members = _matrix(rows)
    as_values = CaseMatrix(
        age=as_members.age,
        sex=np.array([r["sex"] or "" for r in rows]),
        setting=np.array([r["setting"] for r in rows]),
        answers=as_members.answers,
    )
    first, second = (
        score_matrix(kb, m, encode_matrix(kb, m), k=K) for m in (as_members, as_values)
    )
    assert np.array_equal(first.top, second.top)
    assert np.array_equal(first.top_probability, second.top_probability, equal_nan=True)
    assert np.array_equal(first.triage_rank, second.triage_rank)


def test_every_generated_row_comes_back_as_hipdx_assess_gives_it_or_as_its_error(
    engine: Engine,
) -> None:
    rows = _rows(engine.knowledge, 400, 14)
    rows[5]["not_a_finding"] = True
    rows[6]["pain_groin"] = "yes"
    rows[7]["age"] = 130
    result = score_chunk(Chunk(0, rows), k=K, engine=engine)
    records = {r["row"]: r for r in result.scored + result.errors}
    assert sorted(records) == list(range(len(rows)))
    for i, row in enumerate(rows):
        try:
            assessment = engine.assess(_case(row))
        except InvalidCaseError:
            assert "issues" in records[i], row
            continue
        record = records[i]
        expected = assessment.differential[:K]
        got = [record[f"condition_{p}"] for p in range(1, len(expected) + 1)]
        assert got == [r.condition for r in expected], row
        assert all(
            abs(record[f"probability_{p}"] - r.probability) <= 1e-9
            for p, r in enumerate(expected, start=1)
        )
        assert record["triage"] == assessment.triage.level.value
        assert record["red_flags"] == ";".join(f.red_flag for f in assessment.results.red_flags)
