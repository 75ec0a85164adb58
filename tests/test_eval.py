"""`hipdx eval`: metrics as specified, the JSON shape, the baseline beside hipdx, the plot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hipdx import TriageLevel
from hipdx.cli import app
from hipdx.evaluation._metrics import (
    brier_score,
    mcnemar_exact,
    mean_reciprocal_rank,
    missed_emergency,
    over_triaged,
    top_k_accuracy,
    under_triaged,
    wilson_interval,
)
from hipdx.kb.compiled import CompiledKB

ROOT = Path(__file__).parent.parent
SLICE = str(ROOT / "tests" / "vignettes" / "slice.jsonl")
SECTION = {
    "ece",
    "top1",
    "top3",
    "top5",
    "top10",
    "mrr",
    "under_triage",
    "over_triage",
    "missed_emergencies",
    "brier",
}
runner = CliRunner()


def test_top_k_counts_a_case_when_its_best_expected_rank_is_within_k() -> None:
    assert top_k_accuracy([1, 4, None], 3) == pytest.approx(1 / 3)
    assert top_k_accuracy([1, 4, None], 5) == pytest.approx(2 / 3)


def test_mrr_scores_an_unranked_case_zero() -> None:
    assert mean_reciprocal_rank([1, 4, None]) == pytest.approx((1 + 0.25) / 3)


def test_brier_is_zero_for_certainty_and_one_for_a_miss() -> None:
    assert brier_score([1.0, 0.0]) == pytest.approx(0.5)


def test_triage_errors_are_judged_against_the_least_urgent_safe_level() -> None:
    assert under_triaged(TriageLevel.ROUTINE, TriageLevel.SOON)
    assert not under_triaged(TriageLevel.EMERGENCY, TriageLevel.URGENT)
    assert over_triaged(TriageLevel.URGENT, TriageLevel.ROUTINE)
    assert not over_triaged(TriageLevel.SOON, TriageLevel.ROUTINE)
    assert missed_emergency(TriageLevel.SOON, TriageLevel.URGENT)
    assert not missed_emergency(TriageLevel.URGENT, TriageLevel.EMERGENCY)


def test_a_share_of_few_cases_has_a_wide_interval_and_none_or_all_touch_0_or_1() -> None:
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.237, abs=0.001) and high == pytest.approx(0.763, abs=0.001)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(0, 10)[1] == pytest.approx(
        0.278, abs=0.001
    )
    assert wilson_interval(10, 10)[1] == 1.0
    narrow = wilson_interval(100, 200)
    assert narrow[1] - narrow[0] < high - low, "more cases, a narrower interval"
    assert wilson_interval(0, 0) == (0.0, 1.0), "no cases: nothing is known"


def test_mcnemar_reads_only_the_cases_one_system_found_and_the_other_did_not() -> None:
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(3, 3) == 1.0
    assert mcnemar_exact(5, 0) == pytest.approx(0.0625)  # 2 x (1/2)^5
    assert mcnemar_exact(0, 5) == mcnemar_exact(5, 0), "two-sided"
    assert mcnemar_exact(20, 2) < 0.001 < mcnemar_exact(8, 4)


def test_several_files_are_pooled_into_one_run_with_ids_that_name_their_file(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "part_1.jsonl", tmp_path / "part_2.jsonl"
    case = {
        "text": "A 30-year-old runner with groin pain.",
        "expected": ["femoral_neck_stress_fracture"],
        "age": 30,
    }
    first.write_text(json.dumps({"id": "c1", **case}) + "\n")
    second.write_text(
        json.dumps({"id": "c1", **case}) + "\n" + json.dumps({"id": "c2", **case}) + "\n"
    )
    result = runner.invoke(app, ["eval", str(first), str(second), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n"] == 3
    assert {m["vignette"] for m in data["misses"]} <= {"part_1:c1", "part_2:c1", "part_2:c2"}
    alone = json.loads(runner.invoke(app, ["eval", str(first), str(first), "--json"]).output)
    assert alone["n"] == 1, "a file named twice is read once"


def test_eval_compares_hipdx_with_each_baseline_on_the_same_cases() -> None:
    data = json.loads(runner.invoke(app, ["eval", SLICE, "--json"]).output)
    rows = data["comparisons"]
    assert {(r["stage"], r["k"], r["baseline"]) for r in rows} == {
        (s, k, b)
        for s in ("presentation", "with_workup")
        for k in (1, 3, 5, 10)
        for b in ("TF-IDF", "BM25")
    }
    for r in rows:
        stage = r["stage"]
        assert r["hipdx"] == data[stage][f"top{r['k']}"]
        shares = data["baseline" if r["baseline"] == "TF-IDF" else "bm25"][stage]
        assert r["baseline_share"] == shares[f"top{r['k']}"]
        # the discordant cases account exactly for the difference between the two shares
        assert r["hipdx_only"] - r["baseline_only"] == round(
            (r["hipdx"] - r["baseline_share"]) * 14
        )
        low, high = r["interval"]
        assert low <= r["hipdx"] <= high and 0.0 <= r["p_value"] <= 1.0


def test_a_missing_vignette_file_among_several_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", SLICE, str(tmp_path / "nowhere.jsonl")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_eval_json_has_both_stages_and_the_baseline_in_the_same_shape() -> None:
    result = runner.invoke(app, ["eval", SLICE, "--structured", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n"] == 14
    for stage in ("presentation", "with_workup"):
        assert set(data[stage]) == SECTION
        assert set(data["baseline"][stage]) == SECTION
        assert set(data["bm25"][stage]) == SECTION
        assert data["baseline"][stage]["under_triage"] is None, "the baseline has no triage"


def test_our_own_vignettes_coded_by_hand_rank_their_condition_in_the_top_three() -> None:
    data = json.loads(runner.invoke(app, ["eval", SLICE, "--structured", "--json"]).output)
    assert data["with_workup"]["top3"] == 1.0
    assert data["with_workup"]["missed_emergencies"] == 0


def test_eval_parses_the_text_when_not_told_to_use_coded_findings() -> None:
    result = runner.invoke(app, ["eval", SLICE])
    assert result.exit_code == 0, result.output
    assert "TF-IDF" in result.output and "BM25" in result.output and "top-10" in result.output


def test_a_vignette_whose_expected_condition_is_unknown_is_reported(tmp_path: Path) -> None:
    file = tmp_path / "v.jsonl"
    line = {"id": "x1", "text": "Groin pain.", "expected": ["no_such_condition"], "age": 40}
    file.write_text(json.dumps(line) + "\n")
    data = json.loads(runner.invoke(app, ["eval", str(file), "--json"]).output)
    assert data["not_in_kb"] == ["x1"]
    assert data["presentation"]["top10"] == 0.0


def test_eval_plots_top_k_curves(tmp_path: Path) -> None:
    png = tmp_path / "topk.png"
    result = runner.invoke(app, ["eval", SLICE, "--structured", "--plot", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_malformed_vignette_file_is_a_clear_error(tmp_path: Path) -> None:
    file = tmp_path / "bad.jsonl"
    file.write_text('{"id": "a"}\n')
    result = runner.invoke(app, ["eval", str(file)])
    assert result.exit_code == 2
    assert "expected" in result.output


def test_flat_priors_start_every_condition_equal_and_keep_the_other_cause_share() -> None:
    import math

    import numpy as np

    from hipdx._types import Setting
    from hipdx.engine import packaged_knowledge
    from hipdx.kb.compiled import with_prior_weight

    kb = packaged_knowledge()
    flat = with_prior_weight(kb, 0.0)
    for setting in Setting:
        priors = np.exp(flat.log_prior[setting])
        assert np.allclose(priors[:-1], priors[0])
        assert math.isclose(priors[-1], math.exp(kb.log_prior[setting][-1]))
        assert math.isclose(float(priors.sum()), 1.0)
    assert flat.log_lr_present is kb.log_lr_present  # the evidence is untouched


def test_the_packaged_prior_weight_takes_the_square_root_of_the_incidence_ratios() -> None:
    """Patients still undiagnosed (and case reports) are not the incidence population: a common
    condition 400 times as frequent as a rare one starts 20 times as likely, and the other
    cause keeps its share of the priors as written."""
    import math

    import numpy as np

    from hipdx._types import Setting
    from hipdx.engine import packaged_knowledge
    from hipdx.kb.compiled import prior_weight

    kb = packaged_knowledge()
    assert prior_weight(kb.knowledge) == 0.5
    policy = kb.knowledge.triage
    assert policy is not None
    for setting in Setting:
        written = np.array([c.priors[setting].value for c in kb.knowledge.conditions])
        other = policy.other_cause.priors[setting].value
        priors = np.exp(kb.log_prior[setting])
        assert math.isclose(float(priors.sum()), 1.0)
        assert math.isclose(priors[-1], other / (written.sum() + other))
        common, rare = int(written.argmax()), int(written.argmin())
        ratio = priors[common] / priors[rare]
        assert math.isclose(ratio, math.sqrt(written[common] / written[rare]), rel_tol=1e-9)


def test_a_prior_weight_of_one_takes_the_priors_as_written() -> None:
    import math

    import numpy as np
    import pytest

    from hipdx._types import Setting
    from hipdx.engine import packaged_knowledge
    from hipdx.kb.compiled import with_prior_weight

    kb = packaged_knowledge()
    written = with_prior_weight(kb, 1.0)
    for setting in Setting:
        values = np.array([c.priors[setting].value for c in kb.knowledge.conditions])
        priors = np.exp(written.log_prior[setting][:-1])
        assert np.allclose(priors / priors[0], values / values[0])
        assert math.isclose(
            float(np.exp(written.log_prior[setting][-1])), float(np.exp(kb.log_prior[setting][-1]))
        )
    with pytest.raises(ValueError, match="between 0 and 1"):
        with_prior_weight(kb, 1.5)


def test_eval_labels_another_prior_weight_as_an_analysis_and_refuses_two_weights() -> None:
    weighed = runner.invoke(
        app, ["eval", SLICE, "--structured", "--prior-weight", "1"], terminal_width=200
    )
    assert weighed.exit_code == 0, weighed.output
    assert "prior weight 1 (analysis)" in weighed.output
    both = runner.invoke(app, ["eval", SLICE, "--flat-priors", "--prior-weight", "0.5"])
    assert both.exit_code == 2
    assert "--prior-weight 0" in both.output


def test_eval_labels_a_flat_prior_run_as_an_analysis() -> None:
    result = runner.invoke(
        app, ["eval", SLICE, "--structured", "--flat-priors"], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "flat priors (analysis)" in result.output


def test_a_system_right_as_often_as_it_is_sure_has_no_calibration_error() -> None:
    """Ten cases at 0.75 confidence: right in 7.5 of 10 is impossible, so take 8 cases at 0.75
    with 6 right (perfect) and 4 cases at 0.95 with 2 right: ECE = 4/12 x |0.5 - 0.95| = 0.15."""
    from hipdx.evaluation._metrics import calibration_bins, expected_calibration_error

    confidences = [0.75] * 8 + [0.95] * 4
    correct = [True] * 6 + [False] * 2 + [True] * 2 + [False] * 2
    assert expected_calibration_error(confidences[:8], correct[:8]) == pytest.approx(0.0)
    assert expected_calibration_error(confidences, correct) == pytest.approx(0.15)
    assert calibration_bins(confidences, correct) == [(0.75, 0.75, 8), (0.95, 0.5, 4)]
    assert expected_calibration_error([1.0], [True]) == pytest.approx(0.0)  # the last bin
    assert expected_calibration_error([], []) == 0.0


def test_the_baselines_read_a_frozen_corpus_that_covers_every_condition(kb: CompiledKB) -> None:
    """The baselines' texts are frozen, so their figures stay put when KB wording changes."""
    from hipdx.evaluation._baseline import frozen_corpus

    corpus = frozen_corpus()
    assert set(kb.condition_ids) <= set(corpus)
    assert all(len(text) > 50 for text in corpus.values())


def test_bm25_ranks_the_condition_whose_text_matches_the_note_first(kb: CompiledKB) -> None:
    from hipdx.evaluation import Bm25Baseline

    corpus = dict.fromkeys(kb.condition_ids, "") | {
        "coccydynia": "tailbone pain when sitting, tender coccyx",
        "hip_osteoarthritis": "groin pain on walking, stiffness, reduced internal rotation",
    }
    ranked = Bm25Baseline(kb, corpus).rank("Pain in the tailbone, worse sitting.")
    assert ranked[0][0] == "coccydynia"
    assert sum(score for _, score in ranked) == pytest.approx(1.0)
    nothing = Bm25Baseline(kb, corpus).rank("zzz qqq")
    assert all(score == pytest.approx(1 / len(kb.condition_ids)) for _, score in nothing)
