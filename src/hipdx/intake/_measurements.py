"""Numbers with units ("2.5cm", "38.9 °C", "CRP 85 mg/L", "a 31-year-old") mapped onto the
knowledge base's numeric findings, by the rules in ``knowledge/language/measurements.yaml``.

A number belongs to the numeric finding whose unit it can be converted to and whose cue (a KB
synonym, or an extra cue from the rules file) is nearest in the same sentence. With no cue, it
belongs to the only finding that can take it, if its unit is marked ``self_evident``. A number
with no unit needs a cue right before it ("CRP 85", "temperature 38.5").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from hipdx.inference.answers import AGE_FINDING, SEX_FINDINGS
from hipdx.intake._context import context_words
from hipdx.intake._models import Measurement, Span
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.language import MeasurementRules, read_resource
from hipdx.kb.loader import packaged_language

_UNITS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
#: Numbers in words, compounds included ("forty-one", "sixty five"): a "forty-one-year-old" is
#: 41, not a one-year-old.
_WORDS = {
    **_UNITS, **_TEENS, **_TENS,
    **{f"{t}{joiner}{u}": tv + uv for t, tv in _TENS.items() for u, uv in _UNITS.items()
       for joiner in ("-", " ")},
    "a": 1, "an": 1, "half a": 0.5, "half an": 0.5,
}  # fmt: skip
#: A number, not part of a word or a decimal, and not negative ("a -5-year-old" is no age; a
#: hyphen after a word or digit, as in "2-3 weeks" or "L4-5", is not a minus sign); thousands
#: may be grouped with commas ("16,140").
_NUMBER_GUARD = r"(?<![\w.,])(?<![^\w.][-\u2212])(?<!^[-\u2212])"
_NUMBER_BODY = (
    r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:\.\d+)?|"
    + "|".join(sorted(_WORDS, key=len, reverse=True))
    + r")"
)
_NUMBER = _NUMBER_GUARD + _NUMBER_BODY
#: How far after a point in time (in characters) a pain's onset may be said.
_ONSET_REACH = 60
#: Points in time counted back from the presentation: a pain that began then has lasted since.
_BEFORE_NOW = re.compile(r"ago|before|prior|earlier", re.IGNORECASE)
#: The words after a point in time that make it relative to the onset ("prior to the onset").
_BEFORE_ONSET = re.compile(r"\s*(?:to\s+)?(?:the\s+)?(?:onset|start|beginning)\b", re.IGNORECASE)
#: Words after an onset word that make it the start of a worsening, not of the pain ("the pain
#: began worsening a week before", "started to get worse").
_WORSENING = re.compile(
    r"\s+(?:to\s+)?(?:worsen\w*|get(?:ting)?\s+worse|increas\w*|intensif\w*|deteriorat\w*)",
    re.IGNORECASE,
)
#: A pain word (`pain_words` of the context words).
_PAIN = r"(?<![A-Za-z])(?:" + "|".join(sorted(context_words().pain_words)) + r")(?![A-Za-z])"
#: A number coming next (after a colon or an equals sign).
_NEXT_NUMBER = re.compile(r"\s*[:=]?\s*\d")
#: The number at the start of a reading's value ("4+" of a power grade 4+/5).
_LEADING_NUMBER = re.compile(r"\d+(?:\.\d+)?")
#: How near (in characters) a cue must come before a number that has no unit.
_UNITLESS_REACH = 16


@lru_cache(maxsize=1)
def measurement_rules() -> MeasurementRules:
    """The packaged rules file, read once."""
    return read_resource(packaged_language(), "measurements.yaml", MeasurementRules)


@dataclass(frozen=True)
class ShorthandSex:
    """The sex letter of a shorthand age ("67F"): which finding it names, and where."""

    finding: str
    span: Span


@dataclass(frozen=True)
class _Quantity:
    value: float
    unit: str | None
    start: int
    end: int


class MeasurementReader:
    """Finds quantities in a sentence and maps them onto numeric findings."""

    def __init__(
        self, kb: CompiledKB, cues: dict[str, tuple[str, ...]], rules: MeasurementRules
    ) -> None:
        self._rules = rules
        self._units = {u.unit: u for u in rules.units}
        self._targets = {
            f.id: f.numeric.unit for f in kb.knowledge.findings if f.numeric is not None
        }
        #: every numeric finding, for a cue linked to a number in a unit it cannot take
        self._every_target = dict.fromkeys(self._targets, (1.0, 0.0))
        self._ranges = {
            f.id: (f.numeric.plausible_min, f.numeric.plausible_max)
            for f in kb.knowledge.findings
            if f.numeric is not None
        }
        self._cues = {f: _phrase_pattern(phrases) for f, phrases in cues.items() if phrases}
        self._cue_words = {c.lower() for phrases in cues.values() for c in phrases}
        aliases = sorted(
            ((alias, u.unit) for u in rules.units for alias in u.aliases),
            key=lambda pair: len(pair[0]),
            reverse=True,
        )
        self._alias_unit = {alias.lower(): unit for alias, unit in aliases}
        # (an alias ending in a digit not inside a longer number: "3/7" is three days, the
        # "110/70" of a blood pressure is not)
        alternatives = "|".join(
            re.escape(alias) + (r"(?!\d)" if alias[-1].isdigit() else "") for alias, _ in aliases
        )
        # (a unit on the next line is no unit: "ESR: 36" and then "C-reactive protein: ...")
        self._quantity = re.compile(
            _glued_number(cues) + r"(?:[ \t]?-?[ \t]?(" + alternatives + r")(?![A-Za-z]))?",
            re.IGNORECASE,
        )
        self._shorthand_ages = [re.compile(pattern) for pattern in rules.shorthand_ages]
        points = "|".join(re.escape(word) for word in rules.time_points)
        self._time_point = (
            re.compile(r"\s*(?:" + points + r")\b", re.IGNORECASE) if points else None
        )
        self._onset = _phrase_pattern(tuple(rules.onset_words)) if rules.onset_words else None
        self._began = None if self._onset is None else _began_pattern(self._onset.pattern)
        latency = "|".join(re.escape(word) for word in rules.latency_words)
        self._latency = (
            re.compile(r"\b(?:" + latency + r")\s*$", re.IGNORECASE) if latency else None
        )
        links = "|".join(re.escape(w) for w in sorted(rules.links, key=len, reverse=True))
        self._links = re.compile(
            r"(?:\s+|(?:" + links + r")(?![A-Za-z]))*" if links else r"\s*", re.IGNORECASE
        )
        activities = "|".join(re.escape(w) for w in rules.activity_words)
        self._activity = (
            re.compile(r"\b(?:" + activities + r")(?:\s+(?:" + links + r"))*\s*$", re.IGNORECASE)
            if activities and links
            else None
        )
        gestation = "|".join(re.escape(w) for w in rules.gestation_words)
        self._gestation = (
            re.compile(r"\s*(?:" + gestation + r")(?![A-Za-z])", re.IGNORECASE)
            if gestation
            else None
        )
        before = "|".join(re.escape(w) for w in rules.point_words_before)
        self._point_before = (
            re.compile(r"(?<![A-Za-z])(?:" + before + r")\s*$", re.IGNORECASE) if before else None
        )
        labels = "|".join(re.escape(w) for w in rules.label_words)
        # ("stage-4": a hyphen may join the label to its number)
        label = r"(?<![A-Za-z])(?:" + labels + r")[\s-]*$"
        self._label = re.compile(label, re.IGNORECASE) if labels else None
        self._other_analyte = _after_pattern(rules.other_analytes)
        after = "|".join(re.escape(w) for w in sorted(rules.activity_after, key=len, reverse=True))
        self._activity_after = (
            re.compile(
                r"\s*(?:or\s+\w+\s+)?of\s+(?:[\w-]+\s+){0,2}?(?:" + after + r")(?![A-Za-z])",
                re.IGNORECASE,
            )
            if after
            else None
        )
        self._readings = [
            (r, [re.compile(p, re.IGNORECASE) for p in r.patterns]) for r in rules.readings
        ]
        self._rate_before = [re.compile(p + r"\s*$", re.IGNORECASE) for p in rules.rate_before]
        self._followers = {
            finding: re.compile(r"\s*(?:" + "|".join(patterns) + r")", re.IGNORECASE)
            for finding, patterns in rules.followers.items()
            if patterns
        }

    def read(self, text: str, start: int, end: int) -> list[Measurement]:
        """The measurements in ``text[start:end]`` (one sentence)."""
        sentence = text[start:end]
        found = []
        quantities = self._quantities(sentence)
        for quantity in quantities:
            others = [(q.start, q.end) for q in quantities if q is not quantity]
            measurement = self._assign(text, sentence, start, quantity, others)
            if measurement is not None:
                found.append(measurement)
        ages = self.shorthand_ages(text, start, end)
        if not any(m.finding == AGE_FINDING for m in found):
            found.extend(age for age, _ in ages[:1])
        return found

    def readings(self, text: str, start: int, end: int) -> list[tuple[str, bool, Span]]:
        """Numbers in ``text[start:end]`` read against a boolean finding's threshold (vital
        signs, muscle power, a quantitative hCG): (the finding, whether it is present, the
        number)."""
        found = []
        for reading, patterns in self._readings:
            for pattern in patterns:
                for match in pattern.finditer(text, start, end):
                    number = _LEADING_NUMBER.match(match.group("value").replace(",", ""))
                    if number is None:
                        continue
                    value = float(number.group())
                    low, high = reading.plausible
                    decided = reading.decide(value) if low <= value <= high else None
                    if decided is not None:
                        span = Span.within(text, *match.span("value"))
                        found.append((reading.finding, decided, span))
        return found

    def shorthand_ages(
        self, text: str, start: int, end: int
    ) -> list[tuple[Measurement, ShorthandSex | None]]:
        """Ages written without a unit ("67F", "I'm 34"), with the sex letter if there is one."""
        sentence = text[start:end]
        found = []
        for pattern in self._shorthand_ages:
            for match in pattern.finditer(sentence):
                value = float(match.group("age"))
                low, high = self._ranges.get(AGE_FINDING, (0, 120))
                if AGE_FINDING not in self._targets or not low <= value <= high:
                    continue
                age_start, age_end = match.span("age")
                span = Span.within(text, start + age_start, start + age_end)
                age = Measurement(
                    finding=AGE_FINDING, value=value, unit=self._targets[AGE_FINDING], span=span
                )
                sex = None
                letter = match.groupdict().get("sex")
                if letter:
                    sex_start, sex_end = match.span("sex")
                    sex = ShorthandSex(
                        finding=SEX_FINDINGS["female" if letter == "F" else "male"],
                        span=Span.within(text, start + sex_start, start + sex_end),
                    )
                found.append((age, sex))
        return sorted(found, key=lambda pair: pair[0].span.start)

    def _quantities(self, sentence: str) -> list[_Quantity]:
        quantities = []
        for match in self._quantity.finditer(sentence):
            raw, alias = match.group(1), match.group(2)
            end = match.end()
            if alias and alias.lower() in self._cue_words and _NEXT_NUMBER.match(sentence, end):
                alias, end = None, match.end(1)  # "T100.5 HR 120": HR names the next number
            value = _WORDS.get(raw.lower()) if not raw[0].isdigit() else float(raw.replace(",", ""))
            if value is None or (alias is None and not raw[0].isdigit()):
                continue
            unit = self._alias_unit[alias.lower()] if alias else None
            if unit is None and self._label and self._label.search(sentence, 0, match.start()):
                continue  # "type 2 diabetes", "grade 1 anterolisthesis": a name, not an amount
            if self._other_analyte and self._other_analyte.search(sentence, 0, match.start()):
                continue  # "creatinine 3.46 mg/dl", "BUN 40": an analyte with no finding
            if unit and self._is_time_point(sentence, match.start(), end):
                continue  # "five years ago", "six weeks later": a point in time, not an amount
            if unit in self._rules.time_units and self._is_not_an_amount(
                sentence, raw, match.start(), end, unit
            ):
                continue  # "at 23 weeks' gestation", "at 30 weeks", "40 km a week"
            if (
                unit
                and self._latency is not None
                and self._latency.search(sentence, 0, match.start())
            ):
                continue  # "naproxen helps within a day": how soon something acts, not an amount
            if unit and self._activity and self._activity.search(sentence, 0, match.start()):
                continue  # "after sitting for half an hour": how long an activity lasted
            quantities.append(_Quantity(float(value), unit, match.start(), end))
        return quantities

    def _is_not_an_amount(
        self, sentence: str, raw: str, start: int, end: int, unit: str | None = None
    ) -> bool:
        """A time quantity that is a gestational age ("a 33-week pregnancy", "23 weeks'
        gestation"), a point reached ("at 30 weeks"), the period of a rate ("runs 40 km a
        week", "twice a day"), or how long another thing lasted ("two weeks of intensive
        walking"). An age is never a gestation ("a 35-year-old pregnant woman")."""
        gestation = self._gestation
        if unit != "years" and gestation is not None and gestation.match(sentence, end):
            return True
        if self._activity_after is not None and self._activity_after.match(sentence, end):
            return True
        if (
            self._point_before is not None
            and self._point_before.search(sentence, 0, start)
            and not any(f.match(sentence, end) for f in self._followers.values())
        ):
            return True  # "at 30 weeks", "after 2 weeks" (not "after 2 weeks of groin pain")
        return raw.lower() in ("a", "an") and any(
            rate.search(sentence, 0, start) for rate in self._rate_before
        )

    def _is_time_point(self, sentence: str, start: int, end: int) -> bool:
        """A number followed by "ago", "later", ... is a point in time, unless the pain's onset
        is what happened then ("the pain started two days ago" is a duration; "the pain began
        worsening a week before" dates a worsening, not the onset), or the words
        right after it say a pain began then ("until 6 days ago when he began to have hip pain",
        "three days before admission, severe pain was started")."""
        point = None if self._time_point is None else self._time_point.match(sentence, end)
        if point is None:
            return False
        if self._onset is not None and any(
            not _WORSENING.match(sentence, m.end())
            for m in self._onset.finditer(sentence, 0, start)
        ):
            return False
        if not _BEFORE_NOW.fullmatch(point.group(0).strip()):
            return True  # "three weeks later he developed hip pain": later than what came before
        return not self._pain_began(sentence[point.end() : point.end() + _ONSET_REACH])

    def _pain_began(self, after: str) -> bool:
        """Whether the clause ``after`` a point in time says a pain began: an onset word with a
        pain word at most four words after it or three before it ("when he began to have right
        hip pain", "severe pain was started"), not a time before the onset ("three days prior
        to the onset of this hip pain")."""
        clause = re.split(r"[.;]", after, maxsplit=1)[0]
        if self._began is None or _BEFORE_ONSET.match(clause):
            return False
        return bool(self._began.search(clause))

    def _assign(
        self,
        text: str,
        sentence: str,
        offset: int,
        quantity: _Quantity,
        others: list[tuple[int, int]],
    ) -> Measurement | None:
        candidates = {
            f: conversion
            for f, unit in self._targets.items()
            if (conversion := self._factor(quantity.unit, unit)) is not None
        }
        if not candidates:
            return None
        if (
            quantity.unit
            and (other := self._linked_cue(sentence, quantity, self._every_target, others))
            and other[0] not in candidates
        ):
            return None  # "white blood count of 11.3 mg/dL": the count's, in a wrong unit
        cued = self._nearest_cue(sentence, quantity, candidates, others)
        if cued is None:
            finding = self._without_cue(quantity, candidates)
            cue = None
        else:
            finding, (cue_start, cue_end) = cued
            cue = Span(
                start=offset + cue_start, end=offset + cue_end, text=sentence[cue_start:cue_end]
            )
        if finding is None:
            return None
        factor, offset_value = candidates[finding]
        value: float | None = round(quantity.value * factor + offset_value, 4)
        low, high = self._ranges[finding]
        if value is not None and not low <= value <= high and quantity.unit is None:
            value = self._in_another_unit(quantity.value, finding)
        if value is None or not low <= value <= high:
            return None
        span = Span(
            start=offset + quantity.start,
            end=offset + quantity.end,
            text=text[offset + quantity.start : offset + quantity.end],
        )
        alternatives = (
            () if quantity.unit is not None else self._other_units(quantity.value, finding)
        )
        return Measurement(
            finding=finding,
            value=value,
            unit=self._targets[finding],
            span=span,
            cue=cue,
            alternatives=tuple(v for v in alternatives if v != value),
        )

    def _other_units(self, number: float, finding: str) -> tuple[float, ...]:
        """The plausible values of a number written without its unit, read in each other unit
        that converts to the finding's: what the words around it may settle (`_resolve`)."""
        low, high = self._ranges[finding]
        values = (
            round(number * c.factor + c.offset, 4)
            for c in self._rules.conversions
            if c.target == self._targets[finding]
        )
        return tuple(sorted({v for v in values if low <= v <= high}))

    def _in_another_unit(self, number: float, finding: str) -> float | None:
        """A number written without its unit and implausible in the finding's own, read in the
        one other unit that converts it into the plausible range ("WBC 17,500" is 17,500 per
        cubic millimetre, 17.5 x10^9/L); None if no unit, or more than one, does."""
        plausible = self._other_units(number, finding)
        return plausible[0] if len(plausible) == 1 else None

    def _factor(self, source: str | None, target: str) -> tuple[float, float] | None:
        """The factor and offset from ``source`` to ``target`` units, if one is known."""
        if source is None or source == target:
            return 1.0, 0.0
        for conversion in self._rules.conversions:
            if conversion.source == source and conversion.target == target:
                return conversion.factor, conversion.offset
        return None

    def _nearest_cue(
        self,
        sentence: str,
        quantity: _Quantity,
        candidates: dict[str, tuple[float, float]],
        others: list[tuple[int, int]],
    ) -> tuple[str, tuple[int, int]] | None:
        """The nearest cue of a candidate finding (the longer on a tie); a cue inside another
        number ("26-year-old") belongs to that number, not this one ("2 years")."""
        for finding in candidates:
            follower = self._followers.get(finding)
            if quantity.unit and follower and (after := follower.match(sentence, quantity.end)):
                return finding, (after.start(), after.end())  # "2 years of low back pain"
        if quantity.unit and (linked := self._linked_cue(sentence, quantity, candidates, others)):
            return linked
        best: tuple[tuple[int, int], str, tuple[int, int]] | None = None
        reach = self._rules.cue_window if quantity.unit else _UNITLESS_REACH
        for finding, match in self._cue_matches(sentence, candidates, others, 0, len(sentence)):
            distance = _distance(match.start(), match.end(), quantity)
            if quantity.unit is None and match.end() > quantity.start:
                continue  # a bare number follows its cue: "CRP 85"
            length = match.end() - match.start()
            if distance <= reach and (best is None or (distance, -length) < best[0]):
                best = ((distance, -length), finding, (match.start(), match.end()))
        return None if best is None else (best[1], best[2])

    def _linked_cue(
        self,
        sentence: str,
        quantity: _Quantity,
        candidates: dict[str, tuple[float, float]],
        others: list[tuple[int, int]],
    ) -> tuple[str, tuple[int, int]] | None:
        """The earliest cue joined to the number by link words only (``links``): in "morning
        stiffness lasting over an hour" the stiffness is what lasts the hour, though the duration
        cue "over" is nearer; "pain for 12 hours" links only "for", a duration cue."""
        best: tuple[str, tuple[int, int]] | None = None
        window = max(quantity.start - self._rules.cue_window, 0)
        for finding, match in self._cue_matches(
            sentence, candidates, others, window, quantity.start
        ):
            joined = self._links.fullmatch(sentence, match.end(), quantity.start)
            if joined and (best is None or match.start() < best[1][0]):
                best = finding, (match.start(), match.end())
        return best

    def _cue_matches(
        self,
        sentence: str,
        candidates: dict[str, tuple[float, float]],
        others: list[tuple[int, int]],
        start: int,
        end: int,
    ) -> Iterator[tuple[str, re.Match[str]]]:
        """Each candidate finding's cue matches in ``sentence[start:end]`` that do not overlap
        another number (``others``)."""
        for finding in candidates:
            pattern = self._cues.get(finding)
            if pattern is None:
                continue
            for match in pattern.finditer(sentence, start, end):
                if not any(match.start() < e and s < match.end() for s, e in others):
                    yield finding, match

    def _without_cue(
        self, quantity: _Quantity, candidates: dict[str, tuple[float, float]]
    ) -> str | None:
        if quantity.unit is None or len(candidates) != 1:
            return None
        unit = self._units.get(quantity.unit)
        return next(iter(candidates)) if unit is not None and unit.self_evident else None


def _began_pattern(onset: str) -> re.Pattern[str]:
    """An onset word with a pain word at most four words after it or three before it."""
    gap = r"(?:\s+[\w'-]+){0,%d}\s+"
    return re.compile(
        "(?:" + onset + gap % 4 + _PAIN + "|" + _PAIN + gap % 3 + onset + ")", re.IGNORECASE
    )


def _glued_number(cues: dict[str, tuple[str, ...]]) -> str:
    """A number, or digits right after a one-letter cue standing alone: the vital signs of a
    note are often run together ("T38.2, P102", "T100.5 HR 120")."""
    letters = sorted({c for phrases in cues.values() for c in phrases if len(c) == 1})
    if not all(c.isalpha() for c in letters) or not letters:
        return _NUMBER
    glued = r"(?<=(?<![A-Za-z])[" + "".join(letters) + r"])(?=\d)"
    return r"(?:" + _NUMBER_GUARD + r"|" + glued + r")" + _NUMBER_BODY


def _distance(cue_start: int, cue_end: int, quantity: _Quantity) -> int:
    if cue_end <= quantity.start:
        return quantity.start - cue_end
    if cue_start >= quantity.end:
        return cue_start - quantity.end
    return 0  # the cue overlaps the quantity: "31-year-old"


def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted({p for p in phrases if p}, key=len, reverse=True)
    alternatives = "|".join(re.escape(p) for p in ordered)
    return re.compile(r"(?<![A-Za-z])(?:" + alternatives + r")(?![A-Za-z])", re.IGNORECASE)


def _after_pattern(words: list[str]) -> re.Pattern[str] | None:
    """Ends with one of ``words`` and then separators, a slash list of numbers or a few link
    words, up to where a number starts ("BUN/creatinine 143/", "creatinine was ")."""
    if not words:
        return None
    ordered = sorted(set(words), key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in ordered)
    return re.compile(
        r"(?<![A-Za-z])(?:" + alternatives + r")(?![A-Za-z])"
        r"(?:[^A-Za-z]{0,14}|\s*(?:[:=(,]\s*)?(?:was|is|of|level|levels|were|at)\s*[:=]?\s*)$",
        re.IGNORECASE,
    )
