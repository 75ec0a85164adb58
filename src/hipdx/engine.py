"""The engine: one compiled knowledge base with its question bank and note reader, offering
assessment, reading, next questions and interview sessions. Every interface (the CLI, the REST
service, the web page, batch scoring) holds one and calls it; `default_engine` is the only
process-wide cache.

An engine is safe to share between threads: the knowledge base and the question bank are
immutable, and the note reader is built once, on first use, under a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from itertools import islice, repeat
from typing import TYPE_CHECKING, Any, TypeVar

from hipdx._types import Asker, Setting
from hipdx.exceptions import InvalidCaseError
from hipdx.inference.assess import answers_of, assess_case
from hipdx.inference.assessment import Assessment
from hipdx.inference.case import Case, case_from
from hipdx.inference.combined import combine
from hipdx.inference.snapshot import Patient
from hipdx.inference.understanding import NoteAssessment, understanding
from hipdx.issues import Issue, error, shorten
from hipdx.kb.build import load_knowledge
from hipdx.kb.compiled import CompiledKB

if TYPE_CHECKING:  # the reader and the interview are imported when first used
    from hipdx.intake import CleanText, ParsedCase, Parser
    from hipdx.interview.bank import QuestionBank
    from hipdx.interview.gains import Suggestion
    from hipdx.interview.session import InterviewSession

try:
    HIPDX_VERSION = version("hipdx")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    HIPDX_VERSION = "0.0.0+unknown"

#: The most suggestions `next_questions` returns (every open question is at most a few hundred).
MAX_SUGGESTIONS = 50


class Engine:
    """hipdx on one knowledge base (the packaged one by default)."""

    def __init__(self, knowledge: CompiledKB | None = None) -> None:
        self._knowledge = knowledge if knowledge is not None else load_knowledge()
        self._bank: QuestionBank | None = None
        self._parser: Parser | None = None
        self._lock = threading.Lock()

    @property
    def knowledge(self) -> CompiledKB:
        return self._knowledge

    @property
    def version(self) -> str:
        """The knowledge base's version (a hash of its content), stamped on every result."""
        return self._knowledge.version

    @property
    def question_bank(self) -> QuestionBank:
        """Every question of the knowledge base as arrays, built on first use."""
        if self._bank is None:
            with self._lock:
                if self._bank is None:
                    from hipdx.interview.bank import build_question_bank

                    self._bank = build_question_bank(self._knowledge)
        return self._bank

    @property
    def parser(self) -> Parser:
        """The note reader of this knowledge base, built on first use (it takes seconds)."""
        if self._parser is None:
            with self._lock:
                if self._parser is None:
                    from hipdx.intake import Parser

                    self._parser = Parser(self._knowledge)
        return self._parser

    def assess(self, case: Case | Mapping[str, Any], *, now: datetime | None = None) -> Assessment:
        """Rank the conditions that could explain ``case``, explain them, and triage it; raises
        `InvalidCaseError` naming each problem of a case that cannot be assessed."""
        return assess_case(case_from(case), self._knowledge, version=HIPDX_VERSION, now=now)

    def parse(self, text: str, *, setting: Setting | str = Setting.PRIMARY_CARE) -> ParsedCase:
        """Read a clinical note into findings; the result's ``.case`` is what `assess` takes.

        The single entry for notes: the text is cleaned here (`hipdx.intake.clean_text`:
        Unicode normalised, undecodable, control and invisible characters dropped, each removal
        reported in the result's ``issues``), and an empty or over-long note is refused before
        the reader is built. Raises `InvalidCaseError`."""
        from hipdx.intake import clean_text

        cleaned = clean_text(text)
        return _with_issues(self.parser.parse(cleaned.text, setting=_setting(setting)), cleaned)

    def parse_many(
        self,
        texts: Iterable[str],
        *,
        settings: Iterable[Setting | str] | None = None,
        batch_size: int = 64,
    ) -> Iterator[ParsedCase | InvalidCaseError]:
        """`parse` of many notes, in order, read ``batch_size`` at a time through spaCy's
        ``nlp.pipe`` (for batch scoring: the same results as `parse`, and the reader's
        matchers shared by all). ``settings``: one per note (primary care for all by
        default). A note that cannot be read (not text, empty, too long, an unknown setting)
        gives its `InvalidCaseError` as a value instead of raising, so one bad note does not
        stop the others."""
        chosen = settings if settings is not None else repeat(Setting.PRIMARY_CARE)
        notes = zip(texts, chosen, strict=settings is not None)
        while chunk := list(islice(notes, max(1, batch_size))):
            yield from self._parse_chunk(chunk, batch_size)

    def _parse_chunk(
        self, chunk: list[tuple[str, Setting | str]], batch_size: int
    ) -> Iterator[ParsedCase | InvalidCaseError]:
        from hipdx.intake import clean_text

        cleaned: list[tuple[CleanText, Setting] | InvalidCaseError] = []
        for text, setting in chunk:
            try:
                cleaned.append((clean_text(text), _setting(setting)))
            except InvalidCaseError as problem:
                cleaned.append(problem)
        readable = [(c.text, s) for c, s in (n for n in cleaned if isinstance(n, tuple))]
        parsed = self.parser.parse_many(readable, batch_size=batch_size)
        for note in cleaned:
            if isinstance(note, InvalidCaseError):
                yield note
            else:
                read = next(parsed)
                yield read if isinstance(read, InvalidCaseError) else _with_issues(read, note[0])

    def assess_note(
        self,
        text: str,
        *,
        setting: Setting | str = Setting.PRIMARY_CARE,
        now: datetime | None = None,
        answers: Case | Mapping[str, Any] | None = None,
    ) -> NoteAssessment:
        """Read a note and assess it, or say honestly that it was not understood: a note with
        no finding beyond the demographics gets no differential and no triage
        (`hipdx.inference.understanding`). With structured ``answers`` about the same patient
        the two are combined and the answers win; each disagreement is one of the result's
        ``warnings`` (`hipdx.inference.combined`); the setting is then the answers'."""
        parsed = self.parse(text, setting=setting)
        case, conflicts = parsed.case, tuple[Issue, ...]()
        if answers is not None:
            given = case_from(answers)
            case, conflicts = combine(parsed.case, given, self._knowledge)
        read = understanding(case, self._knowledge)
        warnings = tuple(i for i in parsed.issues if i.where == "text") + conflicts
        assessment = self.assess(case, now=now) if read.understood else None
        return NoteAssessment(
            understanding=read,
            assessment=assessment,
            warnings=warnings,
            not_understood=tuple(clause.text for clause in parsed.not_understood),
        )

    def next_questions(
        self,
        case: Case | Mapping[str, Any],
        *,
        asker: Asker | str = Asker.CLINICIAN,
        k: int = 3,
        asked: int = 0,
        skipped: Iterable[str] = (),
    ) -> tuple[Suggestion, ...]:
        """The ``k`` questions worth asking next, best first, each with why: the interview's
        own step, so its safety hold and reserve apply (``asked``: questions already asked of
        the budget; ``skipped``: questions answered "don't know", not asked again). Only
        questions ``asker`` can answer."""
        parsed = case_from(case)
        who = _asker(asker)
        if not _count(k) or not 1 <= k <= MAX_SUGGESTIONS or not _count(asked) or asked < 0:
            raise InvalidCaseError(
                "cannot suggest questions",
                [error("k", shorten(f"{k!r}"), f"ask for 1 to {MAX_SUGGESTIONS} questions")]
                if not _count(k) or not 1 <= k <= MAX_SUGGESTIONS
                else [error("asked", shorten(f"{asked!r}"), "give 0 or more questions asked")],
            )
        from hipdx.interview.step import interview_step

        skipped = _skipped(skipped)
        step = interview_step(
            self._knowledge,
            self.question_bank,
            answers_of(parsed, self._knowledge),
            Patient(parsed.setting, parsed.age, parsed.sex),
            asker=who,
            asked=asked,
            skipped=skipped,
            k=k,
        )
        return step.suggestions

    def start_interview(
        self,
        *,
        asker: Asker | str = Asker.PATIENT,
        setting: Setting = Setting.PRIMARY_CARE,
        budget: int | None = None,
    ) -> InterviewSession:
        """A new interview; ``budget`` questions at most after the intake (the policy's by
        default)."""
        from hipdx.interview.session import InterviewSession

        if budget is not None and (not _count(budget) or not 1 <= budget <= 500):
            raise InvalidCaseError(
                "cannot start the interview",
                [error("budget", shorten(f"{budget!r}"), "give 1 to 500")],
            )
        return InterviewSession(
            self._knowledge, self.question_bank, _asker(asker), _setting(setting), budget
        )

    def resume_interview(self, state: Mapping[str, Any]) -> InterviewSession:
        """An interview restored from `InterviewSession.to_json`."""
        from hipdx.interview.session import InterviewSession

        return InterviewSession.from_json(self._knowledge, self.question_bank, state)


def _with_issues(parsed: ParsedCase, cleaned: CleanText) -> ParsedCase:
    """``parsed`` with what cleaning its text removed among its issues."""
    if not cleaned.issues:
        return parsed
    return parsed.model_copy(update={"issues": (*parsed.issues, *cleaned.issues)})


_Choice = TypeVar("_Choice", bound=StrEnum)


def _asker(asker: Asker | str) -> Asker:
    return _member(Asker, asker, "asker", "unknown asker")


def _setting(setting: Setting | str) -> Setting:
    return _member(Setting, setting, "setting", "unknown care setting")


def _member(kind: type[_Choice], value: _Choice | str, field: str, problem: str) -> _Choice:
    """``value`` as a member of ``kind``, or an error that names the choices."""
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InvalidCaseError(
            problem, [error(field, shorten(repr(value), 40), f"use one of: {choices}")]
        ) from None


def _count(value: object) -> bool:
    """Whether ``value`` is a whole number (not true/false, not a float)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _skipped(skipped: Iterable[str]) -> frozenset[str]:
    items = () if isinstance(skipped, str | bytes) else tuple(skipped)
    if isinstance(skipped, str | bytes) or not all(isinstance(q, str) for q in items):
        raise InvalidCaseError(
            "cannot suggest questions",
            [error("skipped", "expected a list of question ids", "give question ids")],
        )
    return frozenset(items)


_DEFAULT: Engine | None = None
_DEFAULT_LOCK = threading.Lock()


def default_engine() -> Engine:
    """The engine of the packaged knowledge base, built once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = Engine()
    return _DEFAULT


def packaged_knowledge() -> CompiledKB:
    """The knowledge base shipped with hipdx (the default engine's)."""
    return default_engine().knowledge
