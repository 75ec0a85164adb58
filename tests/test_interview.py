"""The stop rule, the terminal interview (driven through its input) and a tiny simulation."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hipdx
from hipdx import Asker, Setting
from hipdx.cli import app
from hipdx.cli.interview import SIDE_FINDING, region_choices
from hipdx.inference.answers import encode
from hipdx.inference.case import Case
from hipdx.inference.questions import build_question_bank, interview_policy
from hipdx.inference.stopping import Patient, StopReason, interview_step
from hipdx.kb.compiled import CompiledKB

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

# A 45-year-old woman, buttock and low back pain, left side, then answers.
INTAKE = f"45\n1\n{_region_numbers('pain_buttock', 'pain_low_back')}\n1\n"


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
    assert "Do you have pain in the buttock?" in result.output  # lay wording
    assert "Most likely so far" in result.output and "Triage:" in result.output
    assert "Going back" in result.output
    assert "Differential" in result.output  # the closing assessment
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
    assert "RED FLAG" in result.output
    assert "a red flag needs attention now" in result.output


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
    assert "Triage" in completed.stdout
    assert json.loads(saved.read_text())["age"] == 45


@pytest.mark.slow
def test_a_tiny_simulation_asks_better_questions_than_random_order(tmp_path: Path) -> None:
    """On the tiny KB (plus the packaged interview policy), one adaptive question gets the top-1
    right at least as often as one random question, over the same 300 simulated patients."""
    shutil.copy(ROOT / "tests" / "fixtures" / "tiny_kb" / "tiny.yaml", tmp_path)
    shutil.copy(ROOT / "src" / "hipdx" / "knowledge" / "interview.yaml", tmp_path)
    command = [sys.executable, str(ROOT / "bench" / "bench_interview.py"), "--kb", str(tmp_path)]
    command += ["--per-condition", "100", "--budget", "2", "--no-speed", "--no-vignettes", "--json"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    simulated = json.loads(completed.stdout)["simulated"]
    assert simulated["patients"] == 300
    for budget in (1, 2):
        adaptive = simulated["adaptive"]["top1_curve"][budget]
        assert adaptive >= simulated["random"]["top1_curve"][budget]
        assert adaptive >= simulated["fixed"]["top1_curve"][budget]
