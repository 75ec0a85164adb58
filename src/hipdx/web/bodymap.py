"""The body map: front, back and side views whose clickable shapes are the knowledge base's pain
regions, on the patient's left and right.

Only drawing and short labels live here; which regions exist is the knowledge base's
(`region_choices`). A region with no shape is offered in the list beside the map, so a new
region in the knowledge base is never lost. A chosen place is sent as ``region:side``, where
side is ``left``, ``right`` or ``mid`` (a midline place: low back, tailbone, perineum).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from hipdx.interview import region_choices
from hipdx.kb.compiled import CompiledKB

Side = Literal["left", "right", "mid"]
View = Literal["front", "back", "side"]
VIEWS: tuple[View, ...] = ("front", "back", "side")

#: Short words for each place, for patients (lay) and clinicians.
LABELS: dict[str, tuple[str, str]] = {
    "pain_groin": ("groin", "groin"),
    "pain_anterior_hip": ("front of the hip", "anterior hip"),
    "pain_lateral_hip": ("outside of the hip", "lateral hip (greater trochanter)"),
    "pain_buttock": ("buttock", "buttock"),
    "pain_ischial": ("sitting bone", "ischial tuberosity"),
    "pain_sacroiliac": ("dimple beside the base of the spine", "sacroiliac joint"),
    "pain_low_back": ("lower back", "low back"),
    "pain_coccyx": ("tailbone", "coccyx"),
    "pain_perineum": ("between the legs", "perineum"),
    "pain_lower_abdomen": ("lower belly", "lower abdomen"),
    "pain_flank": ("side of the back, below the ribs", "flank"),
    "pain_anterior_thigh": ("front of the thigh", "anterior thigh"),
    "pain_medial_thigh": ("inside of the thigh", "medial thigh"),
    "pain_lateral_thigh": ("outside of the thigh", "lateral thigh"),
    "pain_posterior_thigh": ("back of the thigh", "posterior thigh"),
    "pain_knee": ("knee", "knee"),
    "pain_lateral_knee": ("outside of the knee", "lateral knee"),
    "pain_below_knee": ("leg below the knee", "below the knee"),
    "pain_loin_to_groin": ("pain that moves from the side or back into the groin", "loin to groin"),
    "bilateral_sciatica": ("pain shooting down both legs", "bilateral sciatica"),
    "bilateral_shoulder_aching": (
        "both shoulders ache and feel stiff",
        "bilateral shoulder aching",
    ),
    "pain_shoulder_tip": ("pain at the tip of a shoulder", "shoulder-tip pain"),
}


@dataclass(frozen=True)
class Shape:
    """One clickable place: an ellipse (cx, cy, rx, ry) or a rounded rectangle (x, y, w, h)."""

    region: str
    side: Side
    form: Literal["ellipse", "rect"]
    box: tuple[float, float, float, float]
    rotate: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.region}:{self.side}"


# The front and back views are drawn for the patient's right side (front: on the viewer's
# left; back: on the viewer's right) and mirrored about x = 120 for the other side.
_FRONT_RIGHT: tuple[tuple[str, str, tuple[float, float, float, float], float], ...] = (
    ("pain_lower_abdomen", "rect", (84, 196, 35, 30), 0),
    ("pain_anterior_hip", "ellipse", (80, 242, 11, 14), 0),
    ("pain_groin", "ellipse", (101, 258, 19, 8), 35),
    ("pain_anterior_thigh", "rect", (76, 282, 25, 78), 0),
    ("pain_medial_thigh", "rect", (102, 286, 15, 70), 0),
    ("pain_knee", "ellipse", (96, 384, 17, 13), 0),
    ("pain_below_knee", "rect", (84, 402, 26, 62), 0),
)
_FRONT_MID: tuple[tuple[str, str, tuple[float, float, float, float], float], ...] = (
    ("pain_perineum", "ellipse", (120, 278, 6, 9), 0),
)
_BACK_RIGHT: tuple[tuple[str, str, tuple[float, float, float, float], float], ...] = (
    ("pain_flank", "ellipse", (152, 168, 12, 22), 0),
    ("pain_sacroiliac", "ellipse", (131, 232, 8, 8), 0),
    ("pain_buttock", "ellipse", (145, 256, 23, 19), 0),
    ("pain_ischial", "ellipse", (136, 282, 10, 7), 0),
    ("pain_posterior_thigh", "rect", (124, 294, 40, 78), 0),
    ("pain_below_knee", "rect", (130, 402, 26, 62), 0),
)
_BACK_MID: tuple[tuple[str, str, tuple[float, float, float, float], float], ...] = (
    ("pain_low_back", "rect", (100, 186, 40, 36), 0),
    ("pain_coccyx", "ellipse", (120, 258, 6, 10), 0),
)
# The side view shows two figures: the right side (centre x = 60) and the left (x = 180).
_SIDE: tuple[tuple[str, str, tuple[float, float, float, float], float], ...] = (
    ("pain_flank", "ellipse", (0, 170, 15, 22), 0),
    ("pain_lateral_hip", "ellipse", (0, 256, 17, 15), 0),
    ("pain_lateral_thigh", "rect", (-12, 276, 24, 86), 0),
    ("pain_lateral_knee", "ellipse", (0, 382, 14, 11), 0),
)


def _mirror(box: tuple[float, float, float, float], form: str) -> tuple[float, float, float, float]:
    x, y, w, h = box
    if form == "ellipse":
        return (240 - x, y, w, h)
    return (240 - x - w, y, w, h)


def shapes(view: View) -> list[Shape]:
    """The clickable shapes of one view."""
    out: list[Shape] = []
    if view == "side":
        for centre, side in ((60.0, "right"), (180.0, "left")):
            for region, form, (x, y, w, h), _ in _SIDE:
                out.append(Shape(region, side, form, (x + centre, y, w, h)))  # type: ignore[arg-type]
        return out
    right, mid = (_FRONT_RIGHT, _FRONT_MID) if view == "front" else (_BACK_RIGHT, _BACK_MID)
    for region, form, box, angle in right:
        out.append(Shape(region, "right", form, box, angle))  # type: ignore[arg-type]
        out.append(Shape(region, "left", form, _mirror(box, form), -angle))  # type: ignore[arg-type]
    for region, form, box, angle in mid:
        out.append(Shape(region, "mid", form, box, angle))  # type: ignore[arg-type]
    return out


@dataclass(frozen=True)
class Place:
    """A place offered for choosing: its form value and its words."""

    key: str
    region: str
    side: Side
    label: str


def label(region: str, *, lay: bool, kb: CompiledKB) -> str:
    words = LABELS.get(region)
    if words is not None:
        return words[0] if lay else words[1]
    finding = kb.finding(region)
    return finding.lay if lay else finding.clinician


def place_label(region: str, side: Side, *, lay: bool, kb: CompiledKB) -> str:
    words = label(region, lay=lay, kb=kb)
    if side == "mid":
        return words
    return f"{'your ' if lay else ''}{side} {words}"


def mapped_regions() -> set[str]:
    return {s.region for view in VIEWS for s in shapes(view)}


def places(kb: CompiledKB, *, lay: bool) -> tuple[list[Place], list[Place]]:
    """The places on the map (each drawn region, per side) and the other regions of the
    knowledge base, offered as a list ("where does it spread")."""
    offered = [f.id for f in region_choices(kb)]
    drawn: dict[str, Place] = {}
    for view in VIEWS:
        for shape in shapes(view):
            if shape.region in offered and shape.key not in drawn:
                words = place_label(shape.region, shape.side, lay=lay, kb=kb)
                drawn[shape.key] = Place(shape.key, shape.region, shape.side, words)
    on_map = {p.region for p in drawn.values()}
    others = [
        Place(f"{r}:mid", r, "mid", label(r, lay=lay, kb=kb)) for r in offered if r not in on_map
    ]
    order = {r: i for i, r in enumerate(offered)}
    on_map_places = sorted(drawn.values(), key=lambda p: (order[p.region], p.side))
    return on_map_places, others


def chosen_regions(keys: Iterable[str], kb: CompiledKB) -> tuple[list[str], str | None]:
    """The regions and the side (left, right, both, or None) of the places chosen; keys that
    are not places of this knowledge base are dropped."""
    offered = {f.id for f in region_choices(kb)}
    regions: list[str] = []
    sides: set[str] = set()
    for key in keys:
        region, _, where = key.partition(":")
        if region not in offered:
            continue
        if region not in regions:
            regions.append(region)
        if where in ("left", "right"):
            sides.add(where)
    return regions, "both" if len(sides) == 2 else next(iter(sides), None)
