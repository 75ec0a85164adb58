"""Scoring one chunk of rows: structured rows through the matrix path, notes through the reader,
anything the matrix path does not take as it is through `Engine.assess` one at a time. Every row
comes back, as a scored row or as an error row: none is lost.

A row is a mapping with optional ``id``, ``age``, ``sex``, ``setting`` and ``note``, and one
entry per answered finding id (true / false, or the number of a measured finding), or a
``findings`` mapping of them.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hipdx._types import Setting, Sex, TriageLevel
from hipdx.batch._matrix import LEVELS, CaseMatrix, Scores, encode_matrix, score_matrix
from hipdx.engine import Engine, default_engine
from hipdx.exceptions import InvalidCaseError
from hipdx.issues import error
from hipdx.kb.compiled import BoolArray, CompiledKB, FloatArray

#: Columns that are not findings.
RESERVED = ("id", "age", "sex", "setting", "note", "findings")
_READING = threading.Lock()
#: The key of a row that could not be read at all (its value says why).
UNREADABLE = "\0unreadable"


class TableRows(Sequence[Mapping[str, Any]]):
    """The rows of an Arrow table (CSV, Parquet), read as columns by the matrix path and as one
    mapping per row only where a row needs one (a note, an error)."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        row: dict[str, Any] = self.table.slice(index, 1).to_pylist()[0]
        return row

    def column(self, name: str) -> list[Any] | None:
        names = self.table.column_names
        return list(self.table.column(name).to_pylist()) if name in names else None

    def rows(self, indices: Sequence[int]) -> list[dict[str, Any]]:
        """The rows at ``indices``, taken in one step."""
        if not indices:
            return []
        rows: list[dict[str, Any]] = self.table.take(np.asarray(indices, np.int64)).to_pylist()
        return rows


@dataclass(frozen=True)
class Chunk:
    """Rows to score, numbered from ``start`` (their place in the input)."""

    start: int
    rows: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class ChunkResult:
    """The scored rows as columns (`Scored`) and one record per row that could not be scored,
    in input order, each with its ``row`` number."""

    columns: Scored
    errors: list[dict[str, Any]]

    @property
    def scored(self) -> list[dict[str, Any]]:
        """One output record per scored row."""
        return self.columns.records()


@dataclass(frozen=True)
class Scored:
    """Scored rows column by column, as the output file holds them: ``row``, ``id``, then
    ``condition_1``, ``probability_1`` ... ``condition_k``, ``probability_k`` (None past the
    possible conditions), ``other_cause_probability``, ``triage``, ``red_flags`` (their ids,
    joined by ";") and ``kb_version``."""

    values: dict[str, npt.NDArray[Any]]

    def __len__(self) -> int:
        return len(self.values["row"])

    def records(self) -> list[dict[str, Any]]:
        names = list(self.values)
        columns = [_python(self.values[name]) for name in names]
        return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]

    @staticmethod
    def from_records(records: list[dict[str, Any]], k: int) -> Scored:
        names = _names(k)
        return Scored({n: np.array([r[n] for r in records], dtype=_kind(n)) for n in names})

    @staticmethod
    def joined(parts: list[Scored], k: int) -> Scored:
        """The rows of every part, in row order."""
        parts = [p for p in parts if len(p)] or [Scored.from_records([], k)]
        values = {n: np.concatenate([p.values[n] for p in parts]) for n in _names(k)}
        order = np.argsort(values["row"], kind="stable")
        return Scored({n: v[order] for n, v in values.items()})


def _names(k: int) -> list[str]:
    names = ["row", "id"]
    for place in range(1, k + 1):
        names += [f"condition_{place}", f"probability_{place}"]
    return [*names, "other_cause_probability", "triage", "red_flags", "kb_version"]


def _kind(name: str) -> Any:
    if name == "row":
        return np.int64
    return np.float64 if "probability" in name else object


def _python(values: npt.NDArray[Any]) -> list[Any]:
    """A column as Python values (NaN probabilities as None)."""
    if values.dtype == np.float64:
        return [None if math.isnan(v) else v for v in values.tolist()]
    return list(values.tolist())


def score_chunk(chunk: Chunk, *, k: int, engine: Engine | None = None) -> ChunkResult:
    """Score every row of ``chunk`` (the default engine unless one is given)."""
    engine = engine or default_engine()
    results: dict[int, dict[str, Any]] = {}
    if isinstance(chunk.rows, TableRows):
        column = chunk.rows.column("note") or []
        notes = [i for i, note in enumerate(column) if _present(note)]
    else:
        for i, row in enumerate(chunk.rows):
            if UNREADABLE in row:
                issue = error("row", str(row[UNREADABLE]), "give one JSON object per line")
                results[i] = _error(chunk.start + i, {}, [issue.model_dump(mode="json")])
        notes = [
            i for i, row in enumerate(chunk.rows) if _present(row.get("note")) and i not in results
        ]
    noted = set(notes) | set(results)
    structured = [i for i in range(len(chunk.rows)) if i not in noted]
    matrix, others = _structured(engine, chunk, structured, k)
    results.update(others)
    for i in notes:
        with _READING:  # a reader shared by threads (a Dask worker's) reads one note at a time
            results[i] = _one(engine, chunk.start + i, chunk.rows[i], k, note=True)
    scored = [r for _, r in sorted(results.items()) if "issues" not in r]
    errors = [r for _, r in sorted(results.items()) if "issues" in r]
    return ChunkResult(Scored.joined([matrix, Scored.from_records(scored, k)], k), errors)


def _structured(
    engine: Engine, chunk: Chunk, indices: list[int], k: int
) -> tuple[Scored, dict[int, dict[str, Any]]]:
    """The rows at ``indices``: those the matrix path takes as columns, the others (through the
    engine, one at a time) as records by their place in the chunk."""
    kb = engine.knowledge
    if not indices:
        return Scored.from_records([], k), {}
    if isinstance(chunk.rows, TableRows) and "findings" not in chunk.rows.table.column_names:
        table = chunk.rows.table
        table = table if len(indices) == len(table) else table.take(indices)
        matrix, readable = _table_matrix(kb, table)
        identifiers = _table_ids(table)
    else:
        matrix, readable = _matrix(kb, [chunk.rows[i] for i in indices])
        identifiers = np.array([_identifier(chunk.rows[i].get("id")) for i in indices], object)
    encoded = encode_matrix(kb, matrix)
    scores = score_matrix(kb, matrix, encoded, k=k)
    taken = encoded.usable & readable & ~scores.close
    places = np.asarray(indices, dtype=np.int64)
    columns = _columns(kb, scores, taken, chunk.start + places[taken], identifiers[taken], k)
    left = [int(i) for i in places[~taken]]
    rows = chunk.rows.rows(left) if isinstance(chunk.rows, TableRows) else None
    others = {
        i: _one(
            engine, chunk.start + i, rows[n] if rows is not None else chunk.rows[i], k, note=False
        )
        for n, i in enumerate(left)
    }
    return columns, others


def _columns(
    kb: CompiledKB,
    scores: Scores,
    taken: BoolArray,
    numbers: npt.NDArray[np.int64],
    identifiers: npt.NDArray[Any],
    k: int,
) -> Scored:
    """The output columns of the ``taken`` rows of ``scores``."""
    names = np.array([*kb.condition_ids, None], dtype=object)  # -1 (none): the last, None
    top, probability = scores.top[taken], scores.top_probability[taken]
    values: dict[str, npt.NDArray[Any]] = {"row": numbers, "id": identifiers}
    for place in range(k):
        values[f"condition_{place + 1}"] = names[top[:, place]]
        values[f"probability_{place + 1}"] = probability[:, place]
    levels = np.array([level.value for level in LEVELS], dtype=object)
    values |= {
        "other_cause_probability": scores.other_cause[taken],
        "triage": levels[scores.triage_rank[taken]],
        "red_flags": _red_flag_lists(kb, scores.red_flags[taken]),
        "kb_version": np.full(len(numbers), kb.version, dtype=object),
    }
    return Scored(values)


def _red_flag_lists(kb: CompiledKB, fired: BoolArray) -> npt.NDArray[Any]:
    """Per row, the ids of the red flags that fired, joined by ";": once per distinct set."""
    ids = [flag.id for flag in kb.knowledge.red_flags]
    if not len(fired) or not ids:
        return np.full(len(fired), "", dtype=object)
    if len(ids) > 64:
        return np.array([";".join(ids[j] for j in np.flatnonzero(row)) for row in fired], object)
    key = np.zeros(len(fired), dtype=np.uint64)
    for j in range(len(ids)):
        key |= fired[:, j].astype(np.uint64) << np.uint64(j)
    keys, inverse = np.unique(key, return_inverse=True)
    joined = [";".join(ids[j] for j in range(len(ids)) if int(k) >> j & 1) for k in keys]
    lists: npt.NDArray[Any] = np.array(joined, dtype=object)[inverse]
    return lists


def _table_ids(table: Any) -> npt.NDArray[Any]:
    if "id" not in table.column_names:
        return np.full(table.num_rows, None, dtype=object)
    return np.array([_identifier(v) for v in table.column("id").to_pylist()], dtype=object)


def _identifier(value: Any) -> str | None:
    return None if value is None else str(value)


def _matrix(kb: CompiledKB, rows: Sequence[Mapping[str, Any]]) -> tuple[CaseMatrix, BoolArray]:
    """The rows as a `CaseMatrix`, and which rows it represents as they are: a row with an age
    that is not a plausible number, an unknown sex or setting, an unknown finding, or an answer
    of the wrong kind (a number for a yes / no finding, true / false for a measured one) goes to
    the one-at-a-time path, which reports it."""
    size = len(rows)
    readable = np.ones(size, dtype=bool)
    age = np.full(size, np.nan)
    sexes: list[Sex | None] = []
    settings: list[Setting] = []
    answers: dict[str, FloatArray] = {}
    for i, row in enumerate(rows):
        value = row.get("age")
        if _present(value):
            if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 120:
                age[i] = float(value)
            else:
                readable[i] = False
        sexes.append(_enum(Sex, row.get("sex"), readable, i))
        settings.append(_enum(Setting, row.get("setting"), readable, i) or Setting.PRIMARY_CARE)
        for finding, answer in _findings(row).items():
            if not _present(answer):
                continue
            if not kb.has_finding(finding):
                readable[i] = False
                continue
            measured = kb.finding(finding).numeric is not None
            if isinstance(answer, bool) != (not measured) or not isinstance(answer, int | float):
                readable[i] = False
                continue
            answers.setdefault(finding, np.full(size, np.nan))[i] = float(answer)
    return CaseMatrix(age, sexes, settings, answers), readable


def _table_matrix(kb: CompiledKB, table: Any) -> tuple[CaseMatrix, BoolArray]:
    """`_matrix` column by column, from an Arrow table."""
    import pyarrow as pa
    import pyarrow.compute as pc

    size = table.num_rows
    readable = np.ones(size, dtype=bool)

    def numbers(name: str, *, boolean: bool) -> FloatArray | None:
        column = table.column(name)
        kind = column.type
        wanted = (
            pa.types.is_boolean(kind)
            if boolean
            else pa.types.is_integer(kind) or (pa.types.is_floating(kind))
        )
        if not wanted:
            given = ~np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
            readable[given] = pa.types.is_null(kind)
            return None
        # nulls come out as NaN
        return np.asarray(pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False), np.float64)

    age = np.full(size, np.nan)
    if "age" in table.column_names:
        values = numbers("age", boolean=False)
        if values is not None:
            readable[(values < 0) | (values > 120)] = False
            age = np.where((values >= 0) & (values <= 120), values, np.nan)
    sexes = _categories(table, "sex", list(Sex), readable)
    settings = _categories(table, "setting", list(Setting), readable)
    answers: dict[str, FloatArray] = {}
    for name in table.column_names:
        if name in RESERVED:
            continue
        if not kb.has_finding(name):
            readable[~np.asarray(table.column(name).is_null().to_numpy(zero_copy_only=False))] = (
                False
            )
            continue
        values = numbers(name, boolean=kb.finding(name).numeric is None)
        if values is not None:
            answers[name] = values
    return CaseMatrix(age, sexes, settings, answers), readable


def _categories(
    table: Any, name: str, kinds: Sequence[Sex | Setting], readable: BoolArray
) -> npt.NDArray[np.str_]:
    """A sex or setting column as an array of values ("" where not given); a row with another
    value is not readable."""
    import pyarrow as pa
    import pyarrow.compute as pc

    size = table.num_rows
    if name not in table.column_names:
        return np.full(size, "")
    column = table.column(name)
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.cast(kind.value_type), kind.value_type
    given = ~np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        if pa.types.is_floating(kind):
            given &= ~np.asarray(pc.is_nan(column).fill_null(False).to_numpy(), dtype=bool)
        readable[given] = False
        return np.full(size, "")
    values = np.asarray(pc.fill_null(column, "").to_numpy(zero_copy_only=False)).astype(str)
    readable[given & ~np.isin(values, [k.value for k in kinds])] = False
    return values


def _enum(kind: type[Sex] | type[Setting], value: Any, readable: BoolArray, i: int) -> Any:
    if not _present(value):
        return None
    try:
        return kind(value)
    except ValueError:
        readable[i] = False
        return None


def _findings(row: Mapping[str, Any]) -> dict[str, Any]:
    nested = row.get("findings")
    flat = {k: v for k, v in row.items() if k not in RESERVED}
    return {**flat, **nested} if isinstance(nested, Mapping) else flat


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _one(
    engine: Engine, number: int, row: Mapping[str, Any], k: int, *, note: bool
) -> dict[str, Any]:
    """One row through the engine: its record, or its error record."""
    try:
        if note:  # the note's findings; age, sex and setting columns, where given, win
            setting = Setting(row["setting"]) if _present(row.get("setting")) else None
            parsed = engine.parse(str(row["note"]), setting=setting or Setting.PRIMARY_CARE).case
            given = {key: row[key] for key in ("age", "sex") if _present(row.get(key))}
            assessment = engine.assess(parsed.model_dump() | given if given else parsed)
        else:
            assessment = engine.assess(_case(row))
    except InvalidCaseError as problem:
        return _error(number, row, [i.model_dump(mode="json") for i in problem.issues])
    except ValueError as problem:
        return _error(number, row, [error("row", str(problem)).model_dump(mode="json")])
    ranked = assessment.differential[:k]
    return _record(
        number,
        row.get("id"),
        assessment.metadata.kb_version,
        assessment.triage.level,
        [f.red_flag for f in assessment.results.red_flags],
        assessment.results.other_cause_probability,
        [(r.condition, r.probability) for r in ranked],
        k,
    )


def _case(row: Mapping[str, Any]) -> dict[str, Any]:
    case: dict[str, Any] = {
        key: row[key] for key in ("age", "sex", "setting") if _present(row.get(key))
    }
    case["findings"] = {f: v for f, v in _findings(row).items() if _present(v)}
    return case


def _record(
    number: int,
    identifier: Any,
    kb_version: str,
    level: TriageLevel,
    red_flags: list[str],
    other_cause: float,
    top: list[tuple[str, float]],
    k: int,
) -> dict[str, Any]:
    record: dict[str, Any] = {"row": number, "id": None if identifier is None else str(identifier)}
    for place in range(k):
        condition, probability = top[place] if place < len(top) else (None, None)
        record[f"condition_{place + 1}"] = condition
        record[f"probability_{place + 1}"] = probability
    record |= {
        "other_cause_probability": other_cause,
        "triage": level.value,
        "red_flags": ";".join(red_flags),
        "kb_version": kb_version,
    }
    return record


def _error(number: int, row: Mapping[str, Any], issues: list[dict[str, Any]]) -> dict[str, Any]:
    identifier = row.get("id")
    return {"row": number, "id": None if identifier is None else str(identifier), "issues": issues}
