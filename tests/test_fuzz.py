"""Fuzzing every entry point: whatever arrives, hipdx answers with a result whose invariants hold
or with one of its documented input errors (`hipdx.HipdxError`), never another exception.

Invariants checked on every valid result: probabilities in [0, 1] that sum to 1 (within 1e-9,
never bit-exact), triage never below a fired red flag's level, every span inside the text and
equal to the text it points at. Bounded for CI (a few seconds each); `bench/fuzz.py` runs the
same targets longer and counts what it saw.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hipdx
from hipdx.inference.assessment import Assessment, FiredRedFlag, Triage
from hipdx.intake import ParsedCase, Span
from hipdx.interview.session import InterviewSession, region_choices
from hipdx.kb.compiled import CompiledKB

#: Probabilities must sum to 1 within this.
TOLERANCE = 1e-9
#: Characters that have broken text handling elsewhere: lone surrogates (undecodable bytes),
#: controls and escape sequences, zero-width and bidirectional characters, odd digits.
AWKWARD = [
    "\ud800", "\udcff", "\x00", "\x1b[2J", "\x1b]0;t\x07", "\x9b", "\r", "\r\n", "\t", "\u200b",
    "\u200d", "\u202e", "\ufeff", "\u00ad", "²", "①", "٣", "é", "e\u0301", "\ufffd", "-", "−",
]  # fmt: skip
#: Pieces of notes hipdx understands, so that fuzzed notes sometimes say something.
PHRASES = [
    "groin pain", "no fever", "a 31-year-old woman", "a -5-year-old boy", "temperature 38.9 °C",
    "FADIR positive", "history of cancer", "sudden onset", "for 2-3 weeks", "buttock pain",
    "saddle numbness", "pain ", "疼痛", "douleur", " 12 ", ". ", "\n\n",
]  # fmt: skip
_FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- strategies -------------------------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),
    st.text(max_size=12),
)
#: Any value JSON (or a careless caller) could hand over.
json_like: st.SearchStrategy[Any] = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


def mostly(fitting: st.SearchStrategy[Any], odds: int = 4) -> st.SearchStrategy[Any]:
    """``odds - 1`` draws in ``odds`` from ``fitting``, the last anything at all."""
    return st.integers(1, odds).flatmap(lambda n: json_like if n == 1 else fitting)


askers = mostly(st.sampled_from([a.value for a in hipdx.Asker]), 8)
counts = mostly(st.integers(1, 6) | st.sampled_from([-1, 0, 51, True]), 8)
notes = st.lists(
    st.one_of(st.sampled_from(PHRASES), st.sampled_from(AWKWARD), st.text(max_size=8)),
    max_size=12,
).map("".join)


def answers_for(kb: CompiledKB, finding_id: str) -> st.SearchStrategy[Any]:
    """Mostly answers that fit the finding, sometimes anything at all."""
    spec = kb.finding(finding_id).numeric
    fitting: st.SearchStrategy[Any] = (
        st.booleans()
        if spec is None
        else st.floats(spec.plausible_min, spec.plausible_max) | st.integers(-5, 500)
    )
    return mostly(fitting)


def case_values(kb: CompiledKB) -> st.SearchStrategy[Any]:
    """Cases as JSON could bring them: real finding ids with fitting or wild answers, odd ids,
    odd demographics, and sometimes no object at all."""
    ids = [f.id for f in kb.knowledge.findings]
    findings = st.lists(st.sampled_from(ids), max_size=4, unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({f: answers_for(kb, f) for f in chosen})
    )
    odd_ids = st.dictionaries(st.sampled_from(["", "FEVER", "x" * 100, "\x1b[2J"]), json_like)
    case = st.fixed_dictionaries(
        {},
        optional={
            "age": mostly(st.floats(0, 120) | st.integers(0, 120), 10),
            "sex": mostly(st.sampled_from(["female", "male"]), 10),
            "setting": mostly(st.sampled_from([s.value for s in hipdx.Setting]), 10),
            "findings": mostly(findings | findings | odd_ids, 10),
            "text": mostly(notes, 10),
        },
    )
    return mostly(case)


# -- invariants -------------------------------------------------------------------------------


def check_probabilities(probabilities: list[float]) -> None:
    assert all(0.0 <= p <= 1.0 for p in probabilities), probabilities
    assert math.isclose(math.fsum(probabilities), 1.0, abs_tol=TOLERANCE)


def check_triage(triage: Triage, flags: tuple[FiredRedFlag, ...]) -> None:
    for flag in flags:
        assert triage.level.rank >= flag.level.rank, (triage.level, flag.red_flag)


def check_assessment(assessment: Assessment) -> None:
    results = assessment.results
    check_probabilities(
        [r.probability for r in results.differential] + [results.other_cause_probability]
    )
    assert all(0.0 <= r.pretest_probability <= 1.0 for r in results.differential)
    check_triage(results.triage, results.red_flags)
    ranked = {r.condition for r in results.differential}
    assert set(results.must_not_miss) <= ranked


def check_spans(parsed: ParsedCase) -> None:
    spans: list[Span] = [*parsed.unmapped]
    for mention in parsed.mentions:
        spans += [mention.span] + ([mention.trigger] if mention.trigger else [])
    for measurement in parsed.measurements:
        spans += [measurement.span] + ([measurement.cue] if measurement.cue else [])
    for conflict in parsed.conflicts:
        spans += list(conflict.spans)
    for span in spans:
        assert 0 <= span.start <= span.end <= len(parsed.text), span
        assert parsed.text[span.start : span.end] == span.text, span


def expect_input_error(action: Callable[[], Any]) -> Any:
    """The value of ``action``, or None when it raised a documented input error."""
    try:
        return action()
    except hipdx.HipdxError:
        return None


# -- targets (shared with bench/fuzz.py) ------------------------------------------------------


def read_note(engine: hipdx.Engine, note: str) -> bool:
    """Whether the note was read (each target says whether it produced a valid result)."""
    parsed = expect_input_error(lambda: engine.parse(note))
    if parsed is None:
        return False
    check_spans(parsed)
    assert not any("\ud800" <= c <= "\udfff" or c == "\x1b" for c in parsed.text)
    result = engine.assess_note(note)
    assert result.understood == (result.assessment is not None)
    if result.assessment is not None:
        check_assessment(result.assessment)
    else:
        assert result.machine_form()["differential"] == []
    return True


def assess_value(engine: hipdx.Engine, case: Any) -> bool:
    assessment = expect_input_error(lambda: engine.assess(case))
    if assessment is not None:
        check_assessment(assessment)
    return assessment is not None


def ask_value(engine: hipdx.Engine, case: Any, asker: Any, k: Any) -> bool:
    suggestions = expect_input_error(lambda: engine.next_questions(case, asker=asker, k=k))
    if suggestions is not None:
        assert len(suggestions) <= k
        assert len({s.question for s in suggestions}) == len(suggestions)
    return suggestions is not None


def _check_session(session: InterviewSession) -> None:
    step = session.step()
    check_probabilities([float(p) for p in step.probabilities])
    check_triage(step.triage, step.red_flags)
    assert (step.question is None) == (step.stop is not None or not step.suggestions)


def run_session(engine: hipdx.Engine, plan: dict[str, Any]) -> bool:
    """An interview driven by ``plan``: intake values, then a sequence of actions; whether the
    session could be started."""
    session = expect_input_error(lambda: engine.start_interview(**plan["start"]))
    if session is None:
        return False
    expect_input_error(lambda: session.set_patient(**plan["patient"]))
    expect_input_error(lambda: session.set_regions(*plan["regions"]))
    for action, value in plan["actions"]:
        _act(engine, session, action, value)
        if action == "resume":
            continue
        _check_session(session)
        saved = session.to_json()
        restored = engine.resume_interview(saved)
        assert restored.to_json() == saved
    return True


def _act(engine: hipdx.Engine, session: InterviewSession, action: str, value: Any) -> None:
    question = session.step().question
    if action == "answer" and question is not None:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10:
            members = question.findings
            value = members[value % len(members)] if question.kind.value == "group" else value > 4
        expect_input_error(lambda: session.answer(question.question, value))
    elif action == "wrong":
        expect_input_error(lambda: session.answer(value, True))
    elif action == "skip":
        session.skip()
    elif action == "back":
        session.back()
    elif action == "resume":
        damaged = dict(session.to_json())
        if isinstance(value, tuple):
            damaged[value[0]] = value[1]
        expect_input_error(lambda: engine.resume_interview(damaged))


def session_plans(kb: CompiledKB) -> st.SearchStrategy[dict[str, Any]]:
    regions = [f.id for f in region_choices(kb)]
    state_keys = ["version", "kb_version", "asker", "budget", "age", "sex", "intake", "history"]
    action = st.one_of(
        st.tuples(st.just("answer"), mostly(st.integers(0, 9) | st.booleans() | st.none())),
        st.tuples(st.just("skip"), st.none()),
        st.tuples(st.just("back"), st.none()),
        st.tuples(st.just("wrong"), json_like),
        st.tuples(st.just("resume"), st.none() | st.tuples(st.sampled_from(state_keys), json_like)),
    )
    return st.fixed_dictionaries(
        {
            "start": st.fixed_dictionaries(
                {
                    "asker": askers,
                    "budget": mostly(st.none() | st.integers(0, 12)),
                }
            ),
            "patient": st.fixed_dictionaries(
                {
                    "age": mostly(st.none() | st.floats(0, 120)),
                    "sex": mostly(st.sampled_from(["female", "male"])),
                }
            ),
            "regions": st.tuples(
                mostly(st.none() | st.lists(st.sampled_from(regions), max_size=3)),
                mostly(st.sampled_from(["left", "right", "both"])),
            ),
            "actions": st.lists(action, max_size=6),
        }
    )


# -- the tests --------------------------------------------------------------------------------


@settings(_FUZZ, max_examples=50)
@given(note=notes)
def test_any_text_is_read_or_refused_and_its_spans_hold(engine: hipdx.Engine, note: str) -> None:
    read_note(engine, note)


@settings(_FUZZ, max_examples=100)
@given(data=st.data())
def test_any_json_like_case_is_assessed_or_refused(
    engine: hipdx.Engine, data: st.DataObject
) -> None:
    assess_value(engine, data.draw(case_values(engine.knowledge)))


@settings(_FUZZ, max_examples=60)
@given(data=st.data(), asker=askers, k=counts)
def test_any_json_like_case_gets_questions_or_is_refused(
    engine: hipdx.Engine, data: st.DataObject, asker: Any, k: Any
) -> None:
    ask_value(engine, data.draw(case_values(engine.knowledge)), asker, k)


@settings(_FUZZ, max_examples=30)
@given(data=st.data())
def test_any_sequence_of_interview_answers_keeps_the_session_sound(
    engine: hipdx.Engine, data: st.DataObject
) -> None:
    run_session(engine, data.draw(session_plans(engine.knowledge)))
