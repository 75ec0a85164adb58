"""The body map's places are the knowledge base's pain regions, on both sides."""

from __future__ import annotations

import hipdx
from hipdx.interview import region_choices
from hipdx.web import bodymap

KB = hipdx.default_engine().knowledge


def test_every_drawn_place_is_a_pain_region_of_the_knowledge_base() -> None:
    regions = {f.id for f in region_choices(KB)}
    assert bodymap.mapped_regions() <= regions
    assert set(bodymap.LABELS) <= {f.id for f in KB.knowledge.findings}


def test_every_pain_region_is_offered_on_the_map_or_in_the_list() -> None:
    on_map, others = bodymap.places(KB, lay=True)
    offered = {p.region for p in on_map} | {p.region for p in others}
    assert offered == {f.id for f in region_choices(KB)}


def test_the_front_and_back_are_drawn_for_both_sides() -> None:
    for view in ("front", "back"):
        sides: dict[str, set[str]] = {}
        for shape in bodymap.shapes(view):
            sides.setdefault(shape.region, set()).add(shape.side)
        assert all(s in ({"left", "right"}, {"mid"}) for s in sides.values()), sides


def test_the_chosen_places_give_the_regions_and_the_side() -> None:
    assert bodymap.chosen_regions(["pain_groin:left", "pain_buttock:right"], KB) == (
        ["pain_groin", "pain_buttock"],
        "both",
    )
    assert bodymap.chosen_regions(["pain_groin:left", "pain_groin:left"], KB) == (
        ["pain_groin"],
        "left",
    )
    assert bodymap.chosen_regions(["pain_low_back:mid", "made_up:left"], KB) == (
        ["pain_low_back"],
        None,
    )


def test_patients_read_lay_words_and_clinicians_clinical_ones() -> None:
    assert (
        bodymap.place_label("pain_ischial", "right", lay=True, kb=KB) == "your right sitting bone"
    )
    assert bodymap.place_label("pain_ischial", "right", lay=False, kb=KB) == (
        "right ischial tuberosity"
    )
