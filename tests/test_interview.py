"""The stop rule, the terminal interview (driven through its input) and a tiny simulation."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import hipdx
from hipdx import Asker, Setting, Sex, TriageLevel
from hipdx.cli import app
from hipdx.inference.answers import encode
from hipdx.inference.case import Case
from hipdx.inference.posterior import compute_posterior
from hipdx.inference.snapshot import Patient
from hipdx.interview.bank import build_question_bank, interview_policy
from hipdx.interview.gains import candidates, expected_gains
from hipdx.interview.session import SIDE_FINDING, region_choices
from hipdx.interview.situation import Situation
from hipdx.interview.step import StopReason, interview_step, plausible_danger_hold
from hipdx.interview.triage_value import mass_values, needed_values, red_flag_values
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.rules import rule_findings

ROOT = Path(__file__).parent.parent
runner = CliRunner()


def _step(tiny_kb: CompiledKB, kb: CompiledKB, findings: dict[str, bool], **options: int):  # type: ignore[no-untyped-def]
    bank = build_question_bank(tiny_kb, interview_policy(kb))
    answers, _ = encode(Case(findings=findings), tiny_kb)
    return interview_step(
        tiny_kb,
        bank,
        answers,
        Patient(Setting.PRIMARY_CARE, None, None),
        asker=Asker.CLINICIAN,
        **options,
    )


def test_a_fired_red_flag_stops_the_interview_at_once(tiny_kb: CompiledKB, kb: CompiledKB) -> None:
    step = _step(tiny_kb, kb, {"f_pain": True, "f_fever": True}, asked=1)
    assert step.stop is not None
    assert step.stop.reason is StopReason.RED_FLAG
    assert step.stop.red_flags == ("rf_fever_pain",)
    assert step.question is None


def test_the_interview_stops_when_the_budget_is_spent(tiny_kb: CompiledKB, kb: CompiledKB) -> None:
    assert _step(tiny_kb, kb, {}, asked=0, budget=3).stop is None
    stop = _step(tiny_kb, kb, {}, asked=3, budget=3).stop
    assert stop is not None and stop.reason is StopReason.BUDGET


def test_the_interview_stops_when_the_leader_is_clear(tiny_kb: CompiledKB, kb: CompiledKB) -> None:
    """f_test present and fever absent... B needs fever to lead; with A: pain (x2) and gradual
    onset (x1.8) and no test (B x0.5) A reaches 0.4·1.8/(0.72 + 0.05 + 0.1 + 0.6) = 49%, not
    clear; the leader rule only fires at the policy's threshold."""
    step = _step(tiny_kb, kb, {"f_pain": True, "f_gradual": True}, asked=2)
    threshold = interview_policy(kb).leader_probability.value
    leader = float(step.probabilities[:-1].max())
    assert (step.stop is not None and step.stop.reason is StopReason.LEADER_CLEAR) == (
        leader >= threshold
    )


def test_nothing_left_to_ask_stops_the_interview(tiny_kb: CompiledKB, kb: CompiledKB) -> None:
    everything = {"f_pain": False, "f_test": False, "f_fever": False, "f_sudden": True}
    stop = _step(tiny_kb, kb, everything, asked=4).stop
    assert stop is not None and stop.reason is StopReason.NOTHING_WORTH_ASKING


def _region_numbers(*ids: str) -> str:
    regions = [f.id for f in region_choices(hipdx.load_knowledge())]
    return " ".join(str(regions.index(i) + 1) for i in ids)


REGION_IDS = {f.id for f in region_choices(hipdx.load_knowledge())} | {SIDE_FINDING}

# A 45-year-old woman, buttock and low back pain, left side, nothing chosen from what brings it
# on, then answers.
INTAKE = f"45\n1\n{_region_numbers('pain_buttock', 'pain_low_back')}\n1\n?\n"


def test_the_patient_interview_shows_the_disclaimer_asks_in_lay_words_and_saves_the_case(
    tmp_path: Path,
) -> None:
    saved = tmp_path / "case.json"
    answers = INTAKE + "n\n?\nb\ny\n" + "n\n" * 30
    result = runner.invoke(
        app,
        ["interview", "--mode", "patient", "--budget", "4", "--save", str(saved)],
        input=answers,
    )
    assert result.exit_code == 0, result.output
    assert "decision support, not a diagnosis" in result.output
    assert "  4) buttock" in result.output  # the region picker in short lay names
    assert "Why I am asking:" in result.output
    assert "Most likely so far" not in result.output  # the differential waits for the end
    assert "Going back" in result.output
    assert "WHAT IT MIGHT BE" in result.output  # the closing patient result
    assert "Differential" not in result.output and "LR " not in result.output
    case = json.loads(saved.read_text())
    assert case["age"] == 45 and case["sex"] == "female"
    assert case["findings"]["pain_buttock"] is True
    assert case["findings"]["pain_groin"] is False
    assert len(set(case["findings"]) - REGION_IDS) <= 4


def test_going_back_lets_an_answer_be_changed(tmp_path: Path) -> None:
    """Answer the first question no, go back, answer it yes: the saved case holds the yes."""
    first = runner.invoke(app, ["interview", "--budget", "2"], input=INTAKE + "y\n")
    question = next(line for line in first.output.splitlines() if "[y/n/?/b]" in line)
    saved = tmp_path / "case.json"
    runner.invoke(
        app, ["interview", "--budget", "2", "--save", str(saved)], input=INTAKE + "n\nb\ny\n"
    )
    case = json.loads(saved.read_text())
    asked = [f for f in case["findings"] if f not in REGION_IDS]
    assert len(asked) == 1 and case["findings"][asked[0]] is True, question


def test_a_red_flag_ends_the_interview_with_its_advice() -> None:
    """Buttock pain with new bladder problems: the cauda equina red flag fires as soon as the
    bladder question is answered yes, whatever the question number."""
    answers = INTAKE + "y\n" * 40
    result = runner.invoke(app, ["interview", "--mode", "patient"], input=answers)
    assert result.exit_code == 0, result.output
    assert "Go to an emergency department now" in result.output  # the flag's lay advice
    assert "Please act on the advice above" in result.output


def test_the_clinician_interview_explains_why_each_question_is_asked() -> None:
    result = runner.invoke(app, ["interview", "--mode", "clinician", "--budget", "2"], input=INTAKE)
    assert result.exit_code == 0, result.output
    assert "why: separates" in result.output
    assert "Interview ended" in result.output  # the input ran out: it ends cleanly


def test_the_interview_runs_as_a_program_reading_standard_input(tmp_path: Path) -> None:
    saved = tmp_path / "case.json"
    completed = subprocess.run(
        [sys.executable, "-m", "hipdx", "interview", "--budget", "3", "--save", str(saved)],
        input=INTAKE + "n\nn\nn\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "WHAT TO DO" in completed.stdout  # the patient result
    assert json.loads(saved.read_text())["age"] == 45


@pytest.mark.slow
def test_a_tiny_simulation_asks_better_questions_than_random_order(tmp_path: Path) -> None:
    """On the tiny KB (plus the packaged interview policy), one adaptive question gets the top-1
    right at least as often as one random question, over the same 300 simulated patients."""
    shutil.copy(ROOT / "tests" / "fixtures" / "tiny_kb" / "tiny.yaml", tmp_path)
    policy = yaml.safe_load((ROOT / "src/hipdx/knowledge/policy/interview.yaml").read_text())
    for packaged_only in ("opening", "region_labels", "cautions"):  # name packaged findings
        policy["interview"].pop(packaged_only, None)
    (tmp_path / "interview.yaml").write_text(yaml.safe_dump(policy))
    command = [sys.executable, str(ROOT / "bench" / "bench_interview.py"), "--kb", str(tmp_path)]
    command += ["--per-condition", "100", "--budget", "2", "--no-speed", "--no-vignettes", "--json"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    simulated = json.loads(completed.stdout)["simulated"]
    assert simulated["patients"] == 300
    for budget in (1, 2):
        adaptive = simulated["adaptive"]["top1_curve"][budget]
        assert adaptive >= simulated["random"]["top1_curve"][budget]
        assert adaptive >= simulated["fixed"]["top1_curve"][budget]


def test_the_speed_benchmark_builds_its_synthetic_knowledge_base(tmp_path: Path) -> None:
    """The speed part of bench_interview.py times questions on a synthetic 65-condition KB with the
    packaged interview policy; the policy's parts that name packaged findings must not break it."""
    source = ROOT / "bench" / "bench_interview.py"
    spec = importlib.util.spec_from_file_location("bench_interview", source)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(source.parent))
    try:
        spec.loader.exec_module(bench)
    finally:
        sys.path.remove(str(source.parent))
    kb = bench.synthetic_knowledge(tmp_path)
    assert len(kb.condition_ids) == 65
    assert len(kb.finding_ids) + sum(len(g.members) for g in kb.groups) == 250


# ----------------------------------------------------------------------------------------------
# The value of a question for the triage (the safety reserve's order)


def _tiny_values(
    tiny_kb: CompiledKB, kb: CompiledKB, findings: dict[str, bool]
) -> dict[str, float]:
    """The red-flag part of the triage value of every tiny-KB question, from routine."""
    bank = build_question_bank(tiny_kb, interview_policy(kb))
    answers, _ = encode(Case(age=40, sex=Sex.MALE, findings=findings), tiny_kb)
    open_ = candidates(bank, answers, Asker.CLINICIAN)
    p = compute_posterior(tiny_kb, answers, Setting.PRIMARY_CARE, 40, Sex.MALE).probabilities
    p_answer = expected_gains(bank, p).answer_probability
    flags = tuple(tiny_kb.knowledge.red_flags)
    values = red_flag_values(bank, answers, p_answer, open_, flags, TriageLevel.ROUTINE.rank)
    predicted = {q.id: float(p_answer[i, 0]) for i, q in enumerate(bank.questions)}
    return {q.id: float(v) for q, v in zip(bank.questions, values, strict=True)} | {
        f"P({q})": p for q, p in predicted.items()
    }


def test_a_question_that_alone_could_fire_an_urgent_red_flag_is_worth_its_chance_times_the_levels(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    """ "Fever with pain" is urgent, two levels above routine. With pain known, a fever answer
    fires it with P(fever): the question is worth 2 x P(fever) levels; the others nothing."""
    values = _tiny_values(tiny_kb, kb, {"f_pain": True})
    assert values["f_fever"] == pytest.approx(2 * values["P(f_fever)"])
    assert values["f_test"] == values["g_onset"] == 0.0


def test_each_part_a_red_flag_needs_gets_the_credit_of_the_whole_rule(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    """With neither pain nor fever known, the rule fires only if both are asked: each of the two
    questions is worth the whole rule, 2 x P(fever) x P(pain); without either it cannot fire."""
    values = _tiny_values(tiny_kb, kb, {})
    whole = 2 * values["P(f_fever)"] * values["P(f_pain)"]
    assert values["f_fever"] == pytest.approx(whole)
    assert values["f_pain"] == pytest.approx(whole)


def test_a_red_flag_that_can_no_longer_fire_is_worth_nothing(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    values = _tiny_values(tiny_kb, kb, {"f_pain": False})
    assert values["f_fever"] == 0.0


def _packaged_step(kb: CompiledKB, findings: dict[str, bool], asked: int):  # type: ignore[no-untyped-def]
    bank = build_question_bank(kb)
    answers, _ = encode(Case(age=45, sex=Sex.MALE, findings=findings), kb)
    patient = Patient(Setting.PRIMARY_CARE, 45, Sex.MALE)
    return interview_step(kb, bank, answers, patient, asker=Asker.CLINICIAN, asked=asked)


def test_the_reserve_asks_the_question_most_likely_to_raise_the_triage(kb: CompiledKB) -> None:
    """A man with low back pain and pain below the knee, in the last questions of the budget:
    the reserve asks the open question with the largest triage value (here a red-flag finding),
    not the one that best settles the differential."""
    reserve = interview_policy(kb).safety_reserve.value
    step = _packaged_step(kb, {"pain_low_back": True, "pain_below_knee": True}, 20 - reserve)
    assert step.reserved and step.question is not None
    flagged = {f for flag in kb.knowledge.red_flags for f in rule_findings(flag.when)}
    assert flagged.intersection(step.question.findings)
    early = _packaged_step(kb, {"pain_low_back": True, "pain_below_knee": True}, 0)
    assert not early.reserved


def test_an_urgent_red_flag_does_not_end_the_screening_of_a_plausible_emergency(
    kb: CompiledKB,
) -> None:
    """Low back pain and sciatica in both legs, without weakness or numbness: the urgent red
    flag fires, and cauda equina, an emergency, is plausible (about 5%, below the mass at which
    the interview would end as an emergency anyway): the interview is held for questions that
    could still make it one, a cauda equina sign or a finding of cauda equina's own. Once
    triaged emergency, nothing more is held."""
    findings = {
        "bilateral_sciatica": True,
        "pain_low_back": True,
        "leg_weakness": False,
        "numbness_paresthesia": False,
    }
    bank = build_question_bank(kb)
    answers, _ = encode(Case(age=45, sex=Sex.MALE, findings=findings), kb)
    p = compute_posterior(kb, answers, Setting.PRIMARY_CARE, 45, Sex.MALE).probabilities
    hold = plausible_danger_hold(
        Situation(kb, bank, answers, p, TriageLevel.URGENT, Asker.CLINICIAN)
    )
    assert hold is not None and hold.conditions == ("cauda_equina_syndrome",)
    signs = next(f for f in kb.knowledge.red_flags if f.id == "cauda_equina_signs")
    own = {q for q in hold.questions if kb.evidence("cauda_equina_syndrome", q) is not None}
    assert set(hold.questions) <= set(rule_findings(signs.when)) | own
    emergency = plausible_danger_hold(
        Situation(kb, bank, answers, p, TriageLevel.EMERGENCY, Asker.CLINICIAN)
    )
    assert emergency is None


def test_a_red_flag_that_can_fire_only_by_chance_is_worth_nothing_to_those_who_need_it(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    """In a man of 40 neither dangerous condition is possible (B is female only, C under 18):
    "fever with pain" can still fire (its triage value is 2 x P(fever)), but only by chance, so
    its value among patients who need a higher level, the reserve's first key, is 0."""
    bank = build_question_bank(tiny_kb, interview_policy(kb))
    answers, _ = encode(Case(age=40, sex=Sex.MALE, findings={"f_pain": True}), tiny_kb)
    open_ = candidates(bank, answers, Asker.CLINICIAN)
    p = compute_posterior(tiny_kb, answers, Setting.PRIMARY_CARE, 40, Sex.MALE).probabilities
    gains = expected_gains(bank, p)
    flags = tuple(tiny_kb.knowledge.red_flags)
    routine = TriageLevel.ROUTINE
    situation = Situation(tiny_kb, bank, answers, p, routine, Asker.CLINICIAN)
    assert (situation.open_questions == open_).all()
    needed = needed_values(situation, gains, flags)
    chance = red_flag_values(bank, answers, gains.answer_probability, open_, flags, routine.rank)
    assert chance[bank.index("f_fever")] > 0
    assert needed[bank.index("f_fever")] == 0


def test_for_a_woman_fever_is_worth_the_chance_that_the_dangerous_condition_fires_the_flag(
    tiny_kb: CompiledKB, kb: CompiledKB
) -> None:
    """A woman of 40 with pain and a negative test: B (urgent, female only) holds 4.8%, below
    its unresolved bar (0.3 x 30%), and fever (sensitivity 0.5 in B) fires "fever with pain"
    (urgent): worth 2 levels x P(B) x 0.5 among those who need it, besides what an answer adds
    by lifting B's mass over the bar."""
    bank = build_question_bank(tiny_kb, interview_policy(kb))
    findings = {"f_pain": True, "f_test": False}
    answers, _ = encode(Case(age=40, sex=Sex.FEMALE, findings=findings), tiny_kb)
    open_ = candidates(bank, answers, Asker.CLINICIAN)
    p = compute_posterior(tiny_kb, answers, Setting.PRIMARY_CARE, 40, Sex.FEMALE).probabilities
    gains = expected_gains(bank, p)
    flags = tuple(tiny_kb.knowledge.red_flags)
    routine = TriageLevel.ROUTINE
    situation = Situation(tiny_kb, bank, answers, p, routine, Asker.CLINICIAN)
    assert (situation.open_questions == open_).all()
    needed = needed_values(situation, gains, flags)
    by_mass = mass_values(tiny_kb, bank, gains, routine.rank, needed=True)
    b = tiny_kb.condition_ids.index("cond_b")
    fever = bank.index("f_fever")
    assert needed[fever] - by_mass[fever] == pytest.approx(2 * p[b] * 0.5)
