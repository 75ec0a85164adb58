"""The fuzz targets of tests/test_fuzz.py, run longer: every example is tried (a failure does not
stop the run), and distinct failures (exception type and where it was raised) are counted.

    .venv/bin/python bench/fuzz.py [--seconds 600] [--examples 5000] [--seed 0]

Each run reports its examples and how many gave a valid result (the rest were refused with a
documented input error). Time and count are split evenly over the four targets (notes, assess,
next_questions, interview sessions). Exits 1 when any failure was seen, printing one example of
each.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

import hipdx

ROOT = Path(__file__).parent.parent


class _TimeUpError(Exception):
    """The target's share of the time is spent."""


def _targets_module() -> ModuleType:
    """tests/test_fuzz.py, where the strategies and invariant checks live."""
    spec = importlib.util.spec_from_file_location(
        "hipdx_fuzz_targets", ROOT / "tests" / "test_fuzz.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _signature(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = next(
        (f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames) if "hipdx" in f.filename),
        "?",
    )
    return f"{type(exc).__name__} at {where}"


def fuzz(
    name: str,
    strategy: st.SearchStrategy[Any],
    target: Callable[[Any], bool],
    *,
    seconds: float,
    examples: int,
    run_seed: int,
) -> dict[str, Any]:
    """Run ``target`` on up to ``examples`` values of ``strategy`` for at most ``seconds``."""
    failures: dict[str, str] = {}
    count = valid = 0
    ends = time.monotonic() + seconds

    @seed(run_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def body(value: Any) -> None:
        nonlocal count, valid
        if time.monotonic() > ends:
            raise _TimeUpError
        count += 1
        try:
            valid += bool(target(value))
        except Exception as exc:  # every failure is recorded; the run goes on
            failures.setdefault(_signature(exc), f"{exc!r}"[:300] + f" on {value!r}"[:300])

    started = time.monotonic()
    with contextlib.suppress(_TimeUpError):
        body()
    return {
        "target": name,
        "examples": count,
        "valid_results": valid,
        "seconds": round(time.monotonic() - started, 1),
        "distinct_failures": len(failures),
        "failures": failures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="total time budget")
    parser.add_argument("--examples", type=int, default=5000, help="total examples at most")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    targets = _targets_module()
    engine = hipdx.default_engine()
    kb = engine.knowledge
    engine.parse("warm-up: groin pain")  # build the reader outside the timed runs
    plans: list[tuple[str, st.SearchStrategy[Any], Callable[[Any], bool]]] = [
        ("parse + assess_note", targets.notes, lambda note: targets.read_note(engine, note)),
        ("assess", targets.case_values(kb), lambda case: targets.assess_value(engine, case)),
        (
            "next_questions",
            st.tuples(
                targets.case_values(kb),
                targets.askers,
                targets.counts,
            ),
            lambda value: targets.ask_value(engine, *value),
        ),
        ("interview session", targets.session_plans(kb), lambda p: targets.run_session(engine, p)),
    ]
    share_seconds, share_examples = args.seconds / len(plans), args.examples // len(plans)
    runs = [
        fuzz(
            name,
            strategy,
            target,
            seconds=share_seconds,
            examples=share_examples,
            run_seed=args.seed,
        )
        for name, strategy, target in plans
    ]
    summary = {
        "examples": sum(r["examples"] for r in runs),
        "distinct_failures": sum(r["distinct_failures"] for r in runs),
        "runs": runs,
    }
    print(json.dumps(summary, indent=2, ensure_ascii=True))
    return 1 if summary["distinct_failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
