"""The `hipdx` command line, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import hipdx
from hipdx.cli import app
from hipdx.kb.compiled import CompiledKB

ROOT = Path(__file__).parent.parent
SEED = str(ROOT / "examples" / "seed_case.json")
runner = CliRunner()


def test_assess_prints_the_triage_banner_the_differential_and_the_disclaimer() -> None:
    result = runner.invoke(app, ["assess", "--case", SEED])
    assert result.exit_code == 0, result.output
    for text in (
        "Triage",
        "Differential",
        "Acetabular labral tear",
        "Must not miss",
        "not a diagnosis",
    ):
        assert text in result.output


def test_assess_names_the_source_of_each_reason_in_brackets() -> None:
    """A reason cites its reference key, or says the finding is not linked; rich markup must not
    swallow the brackets."""
    result = runner.invoke(app, ["assess", "--case", SEED])
    assert result.exit_code == 0, result.output
    document = hipdx.assess(json.loads(Path(SEED).read_text()))
    cited = {
        ref
        for row in document.differential[:3]
        for c in row.explanation[:3]
        for ref in c.references
    }
    assert cited, "the seed case's top reasons cite something"
    assert any(f"[{ref}" in result.output for ref in cited)
    # the findings the evidence names come first; "[not a feature of it in the knowledge
    # base]" penalties follow them (tests/test_patient_interview.py)


def test_assess_json_has_the_documented_keys() -> None:
    result = runner.invoke(app, ["assess", "--case", SEED, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"differential", "triage", "kb_version"} <= set(data)
    first = data["differential"][0]
    assert set(first) == {"condition", "name", "probability", "must_not_miss", "explanation"}
    assert set(data["triage"]) == {"level", "reasons"}


def test_assess_document_has_input_metadata_and_results() -> None:
    result = runner.invoke(app, ["assess", "--case", SEED, "--document"])
    data = json.loads(result.output)
    assert list(data) == ["input", "metadata", "results"]
    assert data["metadata"]["kb_version"] == hipdx.load_knowledge().version
    assert data["input"]["age"] == 31


def test_an_unknown_finding_is_an_error_that_suggests_the_closest(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"findings": {"faber_postive": True}}))
    result = runner.invoke(app, ["assess", "--case", str(case)])
    assert result.exit_code == 2
    assert "faber_positive" in result.output


def test_malformed_json_is_reported_with_its_position(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text('{"age": 30,, }')
    result = runner.invoke(app, ["assess", "--case", str(case)])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output
    assert "line 1" in result.output


def test_an_empty_or_missing_file_is_reported(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    assert "empty" in runner.invoke(app, ["assess", "--case", str(empty)]).output
    assert (
        "no such file"
        in runner.invoke(app, ["assess", "--case", str(tmp_path / "nope.json")]).output
    )


def test_a_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    huge.write_text('{"text": "' + "x" * (6 * 1024 * 1024) + '"}')
    result = runner.invoke(app, ["assess", "--case", str(huge)])
    assert result.exit_code == 2
    assert "larger than" in result.output


def test_a_case_read_from_standard_input() -> None:
    result = runner.invoke(app, ["assess", "--case", "-", "--json"], input=Path(SEED).read_text())
    assert result.exit_code == 0
    assert json.loads(result.output)["differential"]


def test_kb_check_passes_and_kb_stats_json_has_the_documented_keys() -> None:
    assert runner.invoke(app, ["kb", "check"]).exit_code == 0
    data = json.loads(runner.invoke(app, ["kb", "stats", "--json"]).output)
    keys = {
        "conditions",
        "findings",
        "evidence_rows",
        "grades",
        "condition_ids",
        "conditions_without_evidence",
    }
    assert keys <= set(data)
    assert abs(sum(data["grades"].values()) - 1.0) < 1e-9
    workup = data["workup"]
    assert workup["rows"] > 200  # imaging, procedure and laboratory rows
    assert 0 <= workup["every_number_cited"] <= workup["sensitivity_cited"]
    assert workup["sensitivity_cited"] <= workup["a_number_cited"] <= 1


def test_kb_check_fails_on_a_broken_knowledge_folder(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("conditions:\n  - id: x\n")
    result = runner.invoke(app, ["kb", "check", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "bad.yaml" in result.output


def test_the_installed_command_runs_in_a_real_process() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "hipdx", "assess", "--case", SEED, "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["triage"]["level"] in {"routine", "soon"}


def test_kb_show_prints_a_condition_with_its_evidence_and_references() -> None:
    result = runner.invoke(app, ["kb", "show", "ischiofemoral_impingement"])
    assert result.exit_code == 0, result.output
    for text in (
        "Ischiofemoral impingement syndrome",
        "M25.859",
        "Evidence",
        "Long-stride walking test",
        "[singer-2015] Singer AD",
        "Massage and manual therapy",
    ):
        assert text in result.output


def test_kb_show_of_a_finding_lists_the_conditions_it_informs() -> None:
    result = runner.invoke(app, ["kb", "show", "faber_positive"])
    assert result.exit_code == 0
    assert "Sacroiliac joint pain" in result.output


def test_kb_show_of_an_unknown_id_suggests_the_closest() -> None:
    result = runner.invoke(app, ["kb", "show", "ischiofemoral_impingment"])
    assert result.exit_code == 2
    assert "ischiofemoral_impingement" in result.output


def test_the_committed_knowledge_document_is_current(tmp_path: Path) -> None:
    """docs/knowledge-base.md is generated: after changing knowledge, run `hipdx kb doc`."""
    out = tmp_path / "kb.md"
    assert runner.invoke(app, ["kb", "doc", "--out", str(out)]).exit_code == 0
    assert out.read_text() == (ROOT / "docs" / "knowledge-base.md").read_text()


def test_the_knowledge_document_says_how_the_listed_priors_are_weighed(tiny_kb: CompiledKB) -> None:
    """The priors are listed as written; the document says the engine weighs them, and a
    knowledge base without a prior weight (the tiny one) takes them as written and says nothing."""
    from hipdx.engine import packaged_knowledge
    from hipdx.report.knowledge_markdown import knowledge_markdown

    assert "prior weight 0.5" in knowledge_markdown(packaged_knowledge())
    assert "prior weight" not in knowledge_markdown(tiny_kb)


def test_kb_check_names_the_bracketed_id_path_of_an_error(tmp_path: Path) -> None:
    tiny = (ROOT / "tests" / "fixtures" / "tiny_kb" / "tiny.yaml").read_text()
    broken = tiny.replace(
        "sensitivity: 0.8, specificity: 0.6", "sensitivity: 1.2, specificity: 0.6"
    )
    assert broken != tiny
    (tmp_path / "tiny.yaml").write_text(broken)
    result = runner.invoke(app, ["kb", "check", "--root", str(tmp_path)], terminal_width=300)
    assert result.exit_code == 1
    assert "conditions[cond_a].evidence[f_pain].sensitivity" in result.output
