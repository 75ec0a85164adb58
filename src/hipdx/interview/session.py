"""One interview in progress, free of any user interface: the CLI, a REST endpoint and a web page
drive the same object.

The intake comes first (age, sex, where it hurts and what brings it on: `set_patient`,
`set_regions`, `set_complaints`), then one
question at a time: `step` says where the interview stands (the question to ask, or why it
stops), `answer` records the answer to that question (``None``: don't know, which also skips
it), `back` takes the last answer back. `to_json` and `InterviewSession.from_json` save and
restore it exactly; `case` is what has been learnt, as the input of an assessment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hipdx._types import Asker, Setting, Sex
from hipdx.exceptions import InvalidAnswerError, InvalidCaseError
from hipdx.inference.answers import Answers, encode
from hipdx.inference.case import Age, Case, case_from, validation_issues
from hipdx.inference.snapshot import Patient
from hipdx.interview.bank import QuestionBank, QuestionKind
from hipdx.interview.gains import Suggestion
from hipdx.interview.reasons import lay_reason
from hipdx.interview.relevance import presupposes_denied_region
from hipdx.interview.step import InterviewStep, interview_step
from hipdx.issues import error, errors_in, shorten
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import Finding, FindingKind, OpeningChoice

#: The region finding answered by the "which side" question (both sides = present).
SIDE_FINDING = "pain_bilateral"
#: The answer to a yes/no question: present, absent, or None for don't know.
FindingAnswer = bool | None
Side = Literal["left", "right", "both"]
#: Version of the saved form (`to_json`); a saved session of another version is refused.
STATE_VERSION = 1


class _Answered(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str
    findings: dict[str, bool] | None  # None: don't know (the question is skipped)


class SessionState(BaseModel):
    """The saved form of an interview session (JSON)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    kb_version: str
    asker: Asker
    setting: Setting
    budget: int = Field(ge=1, le=500)
    age: Age | None = None
    sex: Sex | None = None
    intake: dict[str, bool] = Field(default_factory=dict, max_length=200)
    history: list[_Answered] = Field(default_factory=list, max_length=500)


def region_choices(kb: CompiledKB) -> list[Finding]:
    """The pain regions offered at the start: in the order of the interview policy's
    ``region_labels`` (from the back round to the front), then the others in knowledge-base
    order. A vaguer region ("hip pain") is not offered: its parts are."""
    regions = [
        f
        for f in kb.knowledge.findings
        if f.kind is FindingKind.REGION
        and f.id != SIDE_FINDING
        and f.numeric is None
        and not f.parts
    ]
    order = {f: i for i, f in enumerate(region_labels(kb))}
    return sorted(regions, key=lambda f: order.get(f.id, len(order)))


def region_labels(kb: CompiledKB) -> dict[str, str]:
    """The region picker's short lay names (region finding -> name), in picker order."""
    policy = kb.knowledge.interview
    return {} if policy is None else {o.finding: o.lay for o in policy.region_labels}


def opening_choice(kb: CompiledKB) -> OpeningChoice | None:
    """The chief-complaint choice offered with the regions (what brings the pain on), if the
    knowledge base's interview policy has one."""
    policy = kb.knowledge.interview
    return None if policy is None else policy.opening


def _region_ids(chosen: Iterable[str]) -> list[str]:
    listed = isinstance(chosen, Iterable) and not isinstance(chosen, str | bytes | Mapping)
    items = list(chosen) if listed else []
    if not listed or not all(isinstance(r, str) for r in items):
        raise InvalidAnswerError(
            "the pain regions are not a list of ids",
            [error("regions", "expected a list of region ids", "give region finding ids")],
        )
    return items


@dataclass
class InterviewSession:
    """An adaptive interview: the intake, the answers so far, and the question to ask next."""

    kb: CompiledKB
    bank: QuestionBank
    asker: Asker
    setting: Setting = Setting.PRIMARY_CARE
    budget: int | None = None
    age: float | None = None
    sex: Sex | None = None
    intake: dict[str, bool] = field(default_factory=dict)
    history: list[tuple[str, dict[str, bool] | None]] = field(default_factory=list)
    _step: tuple[int, InterviewStep] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.budget is None:
            self.budget = self.bank.policy.question_budget.value

    @property
    def limit(self) -> int:
        return self.budget if self.budget is not None else self.bank.policy.question_budget.value

    @property
    def asked(self) -> int:
        """How many questions have been answered (don't know included) after the intake."""
        return len(self.history)

    @property
    def skipped(self) -> frozenset[str]:
        return frozenset(q for q, a in self.history if a is None)

    # -- the intake ----------------------------------------------------------------------------

    def set_patient(self, *, age: float | None, sex: Sex | str | None) -> None:
        """Age (years, 0-120) and sex; None for not known. Checked as a case's are."""
        try:
            checked = case_from({"age": age, "sex": sex})
        except InvalidCaseError as exc:
            raise InvalidAnswerError("the age or sex does not fit", exc.issues) from None
        self.age, self.sex = checked.age, checked.sex
        self._changed()

    def set_regions(self, chosen: Iterable[str] | None, side: Side | None = None) -> None:
        """Where it hurts (the region findings chosen; every other region is then absent, or
        nothing is recorded for None) and which side."""
        offered = [f.id for f in region_choices(self.kb)]
        intake = {k: v for k, v in self.intake.items() if k not in offered and k != SIDE_FINDING}
        if side is not None and side not in ("left", "right", "both"):
            raise InvalidAnswerError(
                "unknown side", [error("side", shorten(repr(side)), "left, right or both")]
            )
        if chosen is not None:
            picked = set(_region_ids(chosen))
            _refuse_unknown(picked, offered, "regions", "not a pain region of the knowledge base")
            intake |= {r: r in picked for r in offered}
        if side is not None and self.kb.has_finding(SIDE_FINDING):
            intake[SIDE_FINDING] = side == "both"
        self.intake = intake
        self._changed()

    def set_complaints(self, chosen: Iterable[str]) -> None:
        """What brings the pain on, from the opening choice: the findings chosen are present;
        the others stay unanswered (not choosing one is not denying it)."""
        opening = opening_choice(self.kb)
        offered = [] if opening is None else opening.findings
        listed = isinstance(chosen, Iterable) and not isinstance(chosen, str | bytes | Mapping)
        items = list(chosen) if listed else []
        if not listed or not all(isinstance(c, str) for c in items):
            raise InvalidAnswerError(
                "the complaints are not a list of ids",
                [error("complaints", "expected a list of finding ids", "give finding ids")],
            )
        picked = set(items)
        _refuse_unknown(picked, offered, "complaints", "not an option of the opening choice")
        intake = {k: v for k, v in self.intake.items() if k not in offered}
        self.intake = intake | dict.fromkeys(sorted(picked), True)
        self._changed()

    # -- the questions -------------------------------------------------------------------------

    def case(self) -> Case:
        """What is known so far, as the input of an assessment."""
        findings: dict[str, bool | int | float] = dict(self.intake)
        for _, answer in self.history:
            findings.update(answer or {})
        return Case(age=self.age, sex=self.sex, setting=self.setting, findings=findings)

    def answers(self) -> Answers:
        answers, issues = encode(self.case(), self.kb)
        errors = errors_in(issues)
        if errors:  # cannot happen through the methods, which validate each answer
            raise InvalidAnswerError("the answers so far contradict each other", errors)
        return answers

    def step(self, *, k: int = 1) -> InterviewStep:
        """Where the interview stands: the differential, triage, and the question to ask next
        (``k`` suggestions, best first) or why it stops."""
        if self._step is None or self._step[0] != k:
            self._step = (k, self._compute(k))
        return self._step[1]

    def _compute(self, k: int) -> InterviewStep:
        return interview_step(
            self.kb,
            self.bank,
            self.answers(),
            Patient(self.setting, self.age, self.sex),
            asker=self.asker,
            asked=self.asked,
            budget=self.limit,
            skipped=self.skipped,
            k=k,
        )

    @property
    def ended(self) -> bool:
        return self.step().stop is not None

    def answer(self, question: str, value: bool | str | None) -> None:
        """Answer the question `step` asks: ``True``/``False`` for a yes/no question, the
        chosen member finding for a choice, ``None`` for don't know."""
        current = self.step().question
        if current is None:
            raise InvalidAnswerError(
                "the interview has ended",
                [error("question", shorten(repr(question)), "start a new interview")],
            )
        if question != current.question:
            raise InvalidAnswerError(
                "that is not the question being asked",
                [error("question", shorten(repr(question)), f"answer {current.question!r}")],
            )
        findings = self._findings(current.kind, current.findings, value)
        self._check_consistent(question, findings)
        self.history.append((question, findings))
        self._changed()

    def _check_consistent(self, question: str, findings: dict[str, bool] | None) -> None:
        """Refuse an answer that contradicts the answers so far (nothing is recorded)."""
        if not findings:
            return
        tentative = self.case().findings | findings
        case = Case(age=self.age, sex=self.sex, setting=self.setting, findings=tentative)
        errors = errors_in(encode(case, self.kb)[1])
        if errors:
            raise InvalidAnswerError(
                f"the answer to {question!r} contradicts an earlier answer",
                [*errors[:3], error("answer", "not recorded", "answer don't know, or go back")],
            )

    def skip(self) -> None:
        """Don't know: the current question is passed over."""
        current = self.step().question
        if current is not None:
            self.answer(current.question, None)

    def back(self) -> str | None:
        """Take the last answer back; the question it answered (None when there is none)."""
        if not self.history:
            return None
        question, _ = self.history.pop()
        self._changed()
        return question

    def _findings(
        self, kind: QuestionKind, members: tuple[str, ...], value: bool | str | None
    ) -> dict[str, bool] | None:
        if value is None:
            return None
        if kind is QuestionKind.FINDING and isinstance(value, bool):
            return {members[0]: value}
        if kind is QuestionKind.GROUP and isinstance(value, str) and value in members:
            return {value: True}
        expected = "true or false" if kind is QuestionKind.FINDING else ", ".join(members)
        raise InvalidAnswerError(
            "the answer does not fit the question",
            [error("answer", shorten(repr(value)), f"answer with one of: {expected}, or null")],
        )

    def _changed(self) -> None:
        self._step = None

    def document(self, *, top: int = 5, differential: bool = True) -> dict[str, Any]:
        """Where the interview stands, JSON-ready: the question in the asker's wording with its
        options and why it is asked (``why_lay``: in plain words, for everyone), or why it
        stopped; triage, red flags, the leading conditions (``differential=False`` leaves them
        out: a patient sees them only in the result at the end)."""
        step = self.step()
        if not differential:
            top = 0
        conditions = step.probabilities[:-1]
        order = sorted(
            range(len(conditions)), key=lambda i: (-conditions[i], self.kb.condition_ids[i])
        )
        leading = [
            {
                "condition": self.kb.condition_ids[i],
                "name": self.kb.condition(self.kb.condition_ids[i]).name,
                "probability": float(conditions[i]),
            }
            for i in order[:top]
            if conditions[i] > 0
        ]
        question = step.question
        return {
            "asker": self.asker.value,
            "setting": self.setting.value,
            "budget": self.limit,
            "asked": self.asked,
            "question": None if question is None else self._question_document(question),
            "stop": None if step.stop is None else step.stop.model_dump(mode="json"),
            "triage": step.triage.model_dump(mode="json"),
            "red_flags": [f.model_dump(mode="json") for f in step.red_flags],
            "differential": leading,
            "other_cause_probability": float(step.probabilities[-1]) if differential else None,
        }

    def _question_document(self, question: Suggestion) -> dict[str, Any]:
        lay = self.asker is Asker.PATIENT
        if question.kind is QuestionKind.GROUP:
            group = next(g for g in self.kb.knowledge.groups if g.id == question.question)
            text = group.lay if lay else group.clinician
            options: list[dict[str, Any]] = [
                {"answer": m, "text": (f.lay if lay else f.clinician)}
                for m in question.findings
                if (f := self.kb.finding(m))
            ]
        else:
            finding = self.kb.finding(question.question)
            text = finding.lay if lay else finding.clinician
            options = [{"answer": True, "text": "yes"}, {"answer": False, "text": "no"}]
        options.append({"answer": None, "text": "don't know"})
        return {
            "id": question.question,
            "kind": question.kind.value,
            "number": self.asked + 1,
            "text": text,
            "options": options,
            "why": question.model_dump(mode="json"),
            "why_lay": self.lay_reason(question),
            "region_denied": presupposes_denied_region(self.kb, self.answers(), question.question),
        }

    def lay_reason(self, question: Suggestion) -> str:
        """Why ``question`` is asked now, in plain words."""
        return lay_reason(self.kb, self.bank.policy, self.step(), question, self.answers())

    # -- saving --------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The saved form: JSON-ready, restored exactly by `from_json`."""
        state = SessionState(
            kb_version=self.kb.version,
            asker=self.asker,
            setting=self.setting,
            budget=self.limit,
            age=self.age,
            sex=self.sex,
            intake=self.intake,
            history=[_Answered(question=q, findings=a) for q, a in self.history],
        )
        return state.model_dump(mode="json")

    @classmethod
    def from_json(
        cls, kb: CompiledKB, bank: QuestionBank, data: Mapping[str, Any]
    ) -> InterviewSession:
        """A session restored from `to_json`; raises `InvalidAnswerError` when the saved form is
        damaged or names findings this knowledge base does not have."""
        try:
            state = SessionState.model_validate(data)
        except ValidationError as exc:
            issues = validation_issues(exc)
            raise InvalidAnswerError("not a saved interview session", issues) from None
        except RecursionError:
            issues = [error("session", "nested too deeply to read")]
            raise InvalidAnswerError("not a saved interview session", issues) from None
        session = cls(
            kb,
            bank,
            state.asker,
            state.setting,
            state.budget,
            state.age,
            state.sex,
            dict(state.intake),
            [(a.question, dict(a.findings) if a.findings else None) for a in state.history],
        )
        _, issues = encode(session.case(), kb)
        errors = errors_in(issues)
        if errors:
            raise InvalidAnswerError(
                "the saved session does not fit this knowledge base", errors[:10]
            )
        return session


def _refuse_unknown(picked: set[str], offered: Sequence[str], where: str, message: str) -> None:
    """Raise `InvalidAnswerError` naming (at most five of) the ids not offered."""
    unknown = sorted(picked - set(offered))
    if unknown:
        issues = [error(f"{where}.{shorten(u)}", message) for u in unknown[:5]]
        label = "pain regions" if where == "regions" else where
        raise InvalidAnswerError(f"unknown {label}", issues)
