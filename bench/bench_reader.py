"""The note reader's speed, each figure beside its baselines in the same run, and (``--check``)
proof that it reads every note exactly as the previous code path did.

Timings (the previous tree, ``--commit``, runs in a subprocess beside this one, in alternating
rounds, as `_previous.previous_and_current`), each by the process's CPU time (what an idle
machine would take; the machine may be shared) and by the wall clock:

1. parser build: `hipdx.intake.Parser` on the packaged knowledge base (spaCy/medspaCy imported
   beforehand), and build plus the first short note (the reader builds its matchers lazily);
2. median parse time per note, short notes (``intake_gold.jsonl``) and case-report passages
   (``case_reports.jsonl``, ``published_case_reports.jsonl``), each note once per pass;
3. notes per second over every gold passage: ``Engine.parse_many`` (spaCy's ``nlp.pipe``)
   against the previous tree's loop of ``Engine.parse``;
4. the plain medspaCy pipeline on the same texts (medspaCy's tokenizer, spaCy's sentencizer,
   medspaCy's ConText with its default rules, no hipdx rules): the floor any reader built on
   medspaCy pays.

``--check``: the full `ParsedCase` (findings, statuses, values, spans, conflicts, issues,
unmapped, not understood) of every note of ``_reader_notes.notes()`` from the previous tree
and from this one, by ``Engine.parse`` and by ``Engine.parse_many``; exits 1 naming the notes
that differ (by key only).

    .venv/bin/python bench/bench_reader.py [--rounds N] [--commit SHA]
    .venv/bin/python bench/bench_reader.py --check [--commit SHA]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _previous import SERVER, alternating_samples, output_of, source_tree
from _reader_notes import gold_notes, notes

ROOT = Path(__file__).parent.parent
#: main's commit before the prefiltered reader: the baseline of this benchmark.
BASELINE = "d37ac6b"

_DUMP = """
import json, sys
sys.path.insert(0, "bench")
from _reader_notes import notes
import hipdx
engine = hipdx.default_engine()
out = {}
for key, text in notes().items():
    try:
        out[key] = engine.parse(text).model_dump_json()
    except Exception as problem:
        out[key] = f"error {type(problem).__name__}: {problem}"
print(json.dumps(out))
"""

_ENGINE = """
import itertools, sys
sys.path.insert(0, "bench")
from _reader_notes import gold_notes
import hipdx
engine = hipdx.default_engine()
every = list(gold_notes().items())
texts = [t for k, t in every if k.startswith("gold/{group}/") or "{group}" == "all"]
for text in texts:
    engine.parse(text)
notes = itertools.cycle(texts)
"""

_BUILD = """
import hipdx
from hipdx.intake import Parser
kb = hipdx.default_engine().knowledge
Parser(kb).parse("Denies fever.")
"""

_SHORT = "gold/intake_gold/"
_REPORTS = ("gold/case_reports/", "gold/published_case_reports/")


def previous_and_current(
    setup: str, statement: str, *, repeat: int, rounds: int, commit: str
) -> dict[str, dict[str, float]]:
    """Median wall and CPU seconds of ``statement`` on the tree of ``commit`` and on this one,
    in two processes taking turns ``rounds`` times (as `_previous.previous_and_current`, with
    CPU time beside wall time)."""
    trees = {"previous": source_tree(commit), "current": ROOT / "src"}
    body = "\n".join("    " + line for line in statement.strip().splitlines())
    code = SERVER.format(setup=setup.strip(), statement=body)
    samples = alternating_samples(code, trees, repeat=repeat, rounds=rounds, timeout=120)
    return {
        name: {
            "wall": statistics.median(s[0] for s in values),
            "cpu": statistics.median(s[1] for s in values),
        }
        for name, values in samples.items()
    }


def _previous_output(commit: str) -> dict[str, str]:
    """Every note as the tree of ``commit`` reads it (kept in the temporary directory, by
    commit and notes)."""
    digest = hashlib.sha256(json.dumps(notes(), sort_keys=True).encode()).hexdigest()[:12]
    cache = Path(tempfile.gettempdir()) / f"hipdx-reader-{commit}-{digest}.json"
    if not cache.exists():
        cache.write_text(output_of(source_tree(commit), _DUMP).strip().splitlines()[-1])
    read: dict[str, str] = json.loads(cache.read_text())
    return read


def _current_output() -> tuple[dict[str, str], dict[str, str]]:
    """Every note as this tree reads it, by ``parse`` and by ``parse_many``."""
    import hipdx

    engine = hipdx.default_engine()
    every = notes()
    one: dict[str, str] = {}
    for key, text in every.items():
        try:
            one[key] = engine.parse(text).model_dump_json()
        except Exception as problem:
            one[key] = f"error {type(problem).__name__}: {problem}"
    many = {
        key: f"error {type(read).__name__}: {read}"
        if isinstance(read, Exception)
        else read.model_dump_json()
        for key, read in zip(every, engine.parse_many(list(every.values())), strict=True)
    }
    return one, many


def check(commit: str) -> int:
    """Compare every note's full reading with the previous tree's; 0 when all are identical."""
    before = _previous_output(commit)
    one, many = _current_output()
    print(f"{len(before)} notes compared with {commit} (gold sets, intake table, vignettes)")
    failed = 0
    for name, after in (("Engine.parse", one), ("Engine.parse_many", many)):
        differ = [key for key in before if after.get(key) != before[key]]
        print(f"  {name:<18} identical: {len(before) - len(differ)}/{len(before)}")
        for key in differ[:20]:
            print(f"    differs: {key}")
        failed += len(differ) + len(set(after) ^ set(before))
    return 1 if failed else 0


def _per_note(group: str, commit: str, rounds: int, count: int) -> dict[str, dict[str, float]]:
    setup = _ENGINE.replace("{group}", group)
    return previous_and_current(
        setup, "engine.parse(next(notes))", repeat=count, rounds=rounds, commit=commit
    )


def _medspacy_per_note(texts: list[str], rounds: int) -> tuple[float, float]:
    """Median CPU seconds per note, and notes per CPU second with ``nlp.pipe``, of plain
    medspaCy."""
    from hipdx.intake._pipeline import _import_medspacy

    medspacy, _, _ = _import_medspacy()
    nlp = medspacy.load(medspacy_enable=["medspacy_tokenizer"])
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("medspacy_context")
    for text in texts:
        nlp(text)
    samples = []
    for _ in range(rounds):
        for text in texts:
            start = time.process_time()
            nlp(text)
            samples.append(time.process_time() - start)
    start = time.process_time()
    for _ in range(rounds):
        list(nlp.pipe(texts))
    rate = rounds * len(texts) / (time.process_time() - start)
    return statistics.median(samples), rate


def _ratio(before: float, after: float) -> str:
    return f"{before / after:.1f}x" if after else "-"


def _timings(commit: str, rounds: int) -> dict[str, dict[str, dict[str, float]]]:
    """Median seconds, previous tree and this one, of each timed step."""
    every = gold_notes()
    short = [t for k, t in every.items() if k.startswith(_SHORT)]
    reports = sum(1 for k in every if k.startswith(_REPORTS))
    setup = "import hipdx, spacy, medspacy\nfrom hipdx.intake import Parser\n"
    setup += f"kb = hipdx.default_engine().knowledge\nnote = {short[0]!r}"
    batched = "list(engine.parse_many(texts)) if hasattr(engine, 'parse_many') else "
    batched += "[engine.parse(t) for t in texts]"
    run = {"repeat": 1, "rounds": rounds, "commit": commit}
    return {
        "parser build (s)": previous_and_current(setup, "Parser(kb)", **run),
        "build + first short note (s)": previous_and_current(
            setup, "Parser(kb).parse(note)", **run
        ),
        "short note (ms)": _per_note("intake_gold", commit, rounds, len(short)),
        "case-report passage (ms)": _per_note("case_reports", commit, rounds, reports),
        "all gold passages, batched (s)": previous_and_current(
            _ENGINE.replace("{group}", "all"), batched, **run
        ),
    }


def _print_table(
    clock: str,
    timings: dict[str, dict[str, dict[str, float]]],
    plain: dict[str, float],
    notes: int,
    plain_rate: float,
) -> None:
    """One table: each step's previous and current medians by ``clock``, the speed-up, and
    plain medspaCy's figure where there is one."""
    print(f"\n{clock + ' time':<34}{'previous':>10}{'now':>10}{'speed-up':>10}{'medspaCy':>10}")
    for label, timing in timings.items():
        scale = 1e3 if label.endswith("(ms)") else 1.0
        before, after = timing["previous"][clock] * scale, timing["current"][clock] * scale
        floor = f"{plain[label] * scale:>10.2f}" if label in plain else ""
        print(f"{label:<34}{before:>10.2f}{after:>10.2f}{_ratio(before, after):>10}{floor}")
    batch = timings["all gold passages, batched (s)"]
    before, after = notes / batch["previous"][clock], notes / batch["current"][clock]
    line = f"{'notes/s, ' + str(notes) + ' gold passages':<34}{before:>10.1f}{after:>10.1f}"
    floor = f"{plain_rate:>10.1f}" if plain else ""
    print(f"{line}{_ratio(after, before):>10}{floor}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare outputs, no timing")
    parser.add_argument("--commit", default=BASELINE, help="the previous tree's commit")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.check:
        return check(args.commit)
    every = gold_notes()
    short = [t for k, t in every.items() if k.startswith(_SHORT)]
    reports = [t for k, t in every.items() if k.startswith(_REPORTS)]
    print(f"baseline {args.commit}; {len(short)} short notes, {len(reports)} passages")
    timings = _timings(args.commit, args.rounds)
    plain_short, _ = _medspacy_per_note(short, args.rounds)
    plain_reports, _ = _medspacy_per_note(reports, args.rounds)
    _, plain_rate = _medspacy_per_note(list(every.values()), args.rounds)
    plain = {"short note (ms)": plain_short, "case-report passage (ms)": plain_reports}
    for clock in ("cpu", "wall"):
        _print_table(clock, timings, plain if clock == "cpu" else {}, len(every), plain_rate)
    print("previous: a loop of Engine.parse; now: Engine.parse_many; medspaCy: nlp / nlp.pipe")
    print("cpu: the process's CPU time (what an idle machine takes); wall: on this machine now")
    return 0


if __name__ == "__main__":
    sys.exit(main())
