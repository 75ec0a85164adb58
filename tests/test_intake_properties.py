"""Whatever a note says, and however it contradicts itself, the parse is a case hipdx can assess."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hipdx
from hipdx import parse

PIECES = [
    "groin pain",
    "no groin pain",
    "sudden onset",
    "gradual onset",
    "denies fever",
    "fever",
    "temperature 36.5 °C",
    "38.9 °C",
    "a 31-year-old woman",
    "a 70-year-old man",
    "for 2 weeks",
    "over one year",
    "chronic",
    "FADIR was negative",
    "positive FADIR",
    "history of cancer",
    "no history of cancer",
    "ischiofemoral space 25 mm",
    "narrowed ischiofemoral space",
    "CRP 85 mg/L",
    "CRP normal",
    "her mother had sciatica",
    "return if numbness develops",
    "possible labral tear",
    "without weakness or paresthesia",
    "pregnant",
    "male",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=8), st.sampled_from([". ", ", "]))
def test_any_mix_of_statements_parses_into_an_assessable_case(
    pieces: list[str], joiner: str
) -> None:
    parsed = parse(joiner.join(pieces) + ".")
    hipdx.assess(parsed.case)
    for mention in parsed.mentions:
        assert parsed.text[mention.span.start : mention.span.end] == mention.span.text
