"""Every red-flag rule of a question bank as one circuit over arrays, built once per bank.

Red-flag screening (`hipdx.interview.screening`) needs, for every red flag, P(its rule holds)
now and after each answer of each question the rule mentions (the flag's *scenarios*), and
whether the rule is decided by the answers so far. Evaluating 40 rules one by one, each on a
few scenarios, is mostly interpreter overhead; here every node of every rule is a range of
*cells* of one array (one cell per column: "now", then one per scenario; one column for the
three-valued logic), and the nodes of one kind and height are computed together, with their
children gathered by precomputed indices. Missing children are padded with a value that leaves
the result unchanged (1 in a product, 0 in a noisy-or), so each cell gets exactly the arithmetic
of `hipdx.interview.screening.rule_probability` and `hipdx.kb.rules.evaluate`, in their order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from hipdx.kb.compiled import BoolArray, FloatArray
from hipdx.kb.schema import Absent, AllOf, AnyOf, AtLeast, Rule

Index = npt.NDArray[np.intp]
Kind = Literal["leaf", "absent", "all", "any", "at_least"]


@dataclass(frozen=True)
class _Node:
    kind: Kind
    flag: int
    children: tuple[int, ...] = ()
    finding: str = ""
    at_least: int = 0


@dataclass(frozen=True)
class _Gate:
    """Nodes of one kind and height: per child slot, the cells read (padding: the pad cell),
    and the cells written, both in node-then-column order."""

    kind: Kind
    inputs: tuple[Index, ...]
    outputs: Index
    at_least: int = 0
    findings: Index | None = None  # an "absent" gate: per output cell, its finding


@dataclass(frozen=True)
class _Layout:
    """Where each node's cells are, for a given number of columns per flag."""

    offsets: Index  # per node, its first cell
    roots: Index  # per flag, the first cell of its rule's root
    gates: tuple[_Gate, ...]
    leaves: Index  # every leaf cell
    leaf_findings: Index  # per leaf cell, its finding (index into `RuleCircuit.findings`)
    size: int  # cells, the pad cell last


@dataclass(frozen=True)
class RuleCircuit:
    """The red flags' rules over the findings they mention, in two layouts: ``scenarios``
    (per flag, "now" and every scenario of its `FlagScreen`) and ``logic`` (one column)."""

    findings: tuple[str, ...]
    position: dict[str, int]  # finding -> index in ``findings``
    scenarios: _Layout
    logic: _Layout
    ones: Index  # scenario-layout leaf cells a scenario sets present
    zeros: Index  # and those it sets absent
    columns: Index  # per flag, 1 + its scenarios
    nodes: tuple[_Node, ...] = ()  # every node, children first (to build other layouts)
    rule_roots: tuple[int, ...] = ()  # per flag, its root node

    def probabilities(self, present: FloatArray) -> FloatArray:
        """Every cell of the scenario layout: P(node holds), ``present`` giving P(present) of
        each finding (0 when nothing predicts it), each scenario's answers set to 1 or 0."""
        layout = self.scenarios
        cells = np.empty(layout.size)
        cells[layout.leaves] = present[layout.leaf_findings]
        cells[self.ones] = 1.0
        cells[self.zeros] = 0.0
        for gate in layout.gates:
            cells[gate.outputs] = _probability_gate(gate, cells)
        return cells

    def rule_probabilities(self, present: FloatArray, absent: FloatArray) -> FloatArray:
        """Per flag: P(its rule holds) as `rule_probability` computes it with ``absent`` given:
        ``present`` and ``absent`` give, per finding, P(present) and P(established absent)."""
        layout = self.logic
        cells = np.empty(layout.size)
        cells[layout.leaves] = present[layout.leaf_findings]
        for gate in layout.gates:
            cells[gate.outputs] = _probability_gate(gate, cells, absent)
        return cells[layout.roots]

    def decided(self, present: BoolArray, absent: BoolArray) -> BoolArray:
        """Per flag: whether its rule is decided (`hipdx.kb.rules.evaluate` is not None) by
        the findings known ``present`` and ``absent``."""
        holds, fails = self.logic_values(present, absent)
        return holds | fails

    def can_fire(self, present: BoolArray, absent: BoolArray, askable: BoolArray) -> BoolArray:
        """Per flag: whether answers to the ``askable`` findings could still make its rule
        hold (`hipdx.interview.safety.can_fire`): an askable unknown finding may turn out
        either way."""
        unknown = askable & ~present & ~absent
        holds, _ = self.logic_values(present | unknown, absent | unknown)
        return holds

    def logic_values(self, holds: BoolArray, fails: BoolArray) -> tuple[BoolArray, BoolArray]:
        """Per flag: whether its rule holds, and whether it fails, in `evaluate`'s
        three-valued logic, from the findings that hold and those that fail."""
        layout = self.logic
        true, false = np.zeros(layout.size, dtype=bool), np.zeros(layout.size, dtype=bool)
        true[layout.leaves] = holds[layout.leaf_findings]
        false[layout.leaves] = fails[layout.leaf_findings]
        for gate in layout.gates:
            true[gate.outputs], false[gate.outputs] = _logic_gate(gate, true, false)
        return true[layout.roots], false[layout.roots]


def rule_circuit(
    rules: Sequence[Rule], scenarios: Sequence[int], overrides: Sequence[Mapping[str, Overrides]]
) -> RuleCircuit:
    """The circuit of ``rules``; per rule, its number of scenarios and, per finding, the
    scenarios (0-based) that set it present and those that set it absent."""
    nodes: list[_Node] = []
    roots = [_add(rule, flag, nodes) for flag, rule in enumerate(rules)]
    findings = tuple(sorted({n.finding for n in nodes if n.kind == "leaf"}))
    position = {f: i for i, f in enumerate(findings)}
    columns = np.array([1 + s for s in scenarios], dtype=np.intp)
    layout = _layout(nodes, roots, columns, position)
    ones: list[int] = []
    zeros: list[int] = []
    for index, node in enumerate(nodes):
        if node.kind == "leaf" and node.finding in overrides[node.flag]:
            start = int(layout.offsets[index]) + 1  # column 0 is "now"
            set_present, set_absent = overrides[node.flag][node.finding]
            ones.extend(start + s for s in set_present)
            zeros.extend(start + s for s in set_absent)
    logic = _layout(nodes, roots, np.ones(len(rules), dtype=np.intp), position)
    return RuleCircuit(
        findings=findings,
        position=position,
        scenarios=layout,
        logic=logic,
        ones=np.array(ones, dtype=np.intp),
        zeros=np.array(zeros, dtype=np.intp),
        columns=columns,
        nodes=tuple(nodes),
        rule_roots=tuple(roots),
    )


@dataclass(frozen=True)
class Unasked:
    """A layout of the circuit for the triage value of a question: per flag, "now" and one
    column per question its rule mentions, in which that question is never asked (its findings
    neither present nor absent: 0 and 0)."""

    layout: _Layout
    zeros: Index  # leaf cells a column leaves unasked
    absent_zeros: tuple[Index, ...]  # per gate: positions among its outputs a column leaves 0


def unasked_layout(circuit: RuleCircuit, questions: Sequence[Sequence[tuple[str, ...]]]) -> Unasked:
    """The `Unasked` layout; ``questions``: per flag, the findings of each question it
    mentions, in order."""
    nodes, position = list(circuit.nodes), circuit.position
    columns = np.array([1 + len(q) for q in questions], dtype=np.intp)
    layout = _layout(nodes, list(circuit.rule_roots), columns, position)
    unasked = [
        {f: [n for n, findings in enumerate(flag) if f in findings] for f in position}
        for flag in questions
    ]

    def cells(node: int, finding: str) -> list[int]:
        start = int(layout.offsets[node]) + 1  # column 0 is "now"
        return [start + n for n in unasked[nodes[node].flag][finding]]

    zeros = [c for i, n in enumerate(nodes) if n.kind == "leaf" for c in cells(i, n.finding)]
    absent_zeros = []
    for gate in layout.gates:
        if gate.kind != "absent":
            absent_zeros.append(np.zeros(0, dtype=np.intp))
            continue
        wanted = set(_absent_cells(nodes, layout, cells))
        absent_zeros.append(np.flatnonzero(np.isin(gate.outputs, list(wanted))))
    return Unasked(layout, np.array(zeros, dtype=np.intp), tuple(absent_zeros))


def _absent_cells(
    nodes: list[_Node], layout: _Layout, cells: Callable[[int, str], list[int]]
) -> list[int]:
    """The cells of the "absent" nodes that a column leaves unasked."""
    return [
        c
        for i, n in enumerate(nodes)
        if n.kind == "absent"
        for c in cells(i, nodes[n.children[0]].finding)
    ]


def unasked_probabilities(unasked: Unasked, present: FloatArray, absent: FloatArray) -> FloatArray:
    """Every cell of the `Unasked` layout: P(node holds) as `rule_probability` computes it
    with ``absent`` given; ``present`` and ``absent`` are per finding, and may have a further
    axis (one value per condition, say), computed element by element."""
    layout = unasked.layout
    cells = np.empty((layout.size, *present.shape[1:]))
    cells[layout.leaves] = present[layout.leaf_findings]
    cells[unasked.zeros] = 0.0
    for gate, zeros in zip(layout.gates, unasked.absent_zeros, strict=True):
        values = _probability_gate(gate, cells, absent)
        values[zeros] = 0.0
        cells[gate.outputs] = values
    return cells


#: Per finding of a rule: the scenarios that set it present, and those that set it absent.
Overrides = tuple[Sequence[int], Sequence[int]]


def _add(rule: Rule, flag: int, nodes: list[_Node]) -> int:
    """Append the nodes of ``rule`` (children first) and return the index of its root."""
    if isinstance(rule, str):
        nodes.append(_Node("leaf", flag, finding=rule))
    elif isinstance(rule, Absent):
        child = _add(rule.absent, flag, nodes)
        nodes.append(_Node("absent", flag, (child,)))
    elif isinstance(rule, AllOf):
        children = tuple(_add(part, flag, nodes) for part in rule.all)
        nodes.append(_Node("all", flag, children))
    elif isinstance(rule, AnyOf):
        children = tuple(_add(part, flag, nodes) for part in rule.any)
        nodes.append(_Node("any", flag, children))
    else:
        assert isinstance(rule, AtLeast)
        children = tuple(_add(part, flag, nodes) for part in rule.of)
        nodes.append(_Node("at_least", flag, children, at_least=rule.at_least))
    return len(nodes) - 1


def _layout(
    nodes: list[_Node], roots: list[int], columns: Index, position: dict[str, int]
) -> _Layout:
    widths = np.array([columns[n.flag] for n in nodes], dtype=np.intp)
    offsets = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.intp)
    pad = int(widths.sum())
    heights: list[int] = []
    for node in nodes:  # children come first
        heights.append(1 + max((heights[c] for c in node.children), default=-1))
    groups: dict[tuple[int, Kind, int], list[int]] = {}
    for index, node in enumerate(nodes):
        if node.kind != "leaf":
            key = (heights[index], node.kind, node.at_least if node.kind == "at_least" else 0)
            groups.setdefault(key, []).append(index)
    gates = tuple(
        _gate(kind, members, nodes, offsets, widths, pad, at_least, position)
        for (_, kind, at_least), members in sorted(groups.items(), key=lambda item: item[0][0])
    )
    leaves = [i for i, n in enumerate(nodes) if n.kind == "leaf"]
    return _Layout(
        offsets=offsets,
        roots=offsets[roots],
        gates=gates,
        leaves=_cells(leaves, offsets, widths),
        leaf_findings=np.repeat(
            np.array([position[nodes[i].finding] for i in leaves], dtype=np.intp), widths[leaves]
        ),
        size=pad + 1,
    )


def _gate(
    kind: Kind,
    members: list[int],
    nodes: list[_Node],
    offsets: Index,
    widths: Index,
    pad: int,
    at_least: int,
    position: dict[str, int],
) -> _Gate:
    slots = max(len(nodes[m].children) for m in members)
    inputs = []
    for slot in range(slots):
        cells = [
            offsets[nodes[m].children[slot]] + np.arange(widths[m])
            if slot < len(nodes[m].children)
            else np.full(widths[m], pad)
            for m in members
        ]
        inputs.append(concatenated(cells))
    findings = None
    if kind == "absent":
        child = [position[nodes[nodes[m].children[0]].finding] for m in members]
        findings = np.repeat(np.array(child, dtype=np.intp), widths[members])
    return _Gate(kind, tuple(inputs), _cells(members, offsets, widths), at_least, findings)


def _cells(members: list[int], offsets: Index, widths: Index) -> Index:
    return concatenated([offsets[m] + np.arange(widths[m]) for m in members])


def concatenated(parts: Sequence[Index]) -> Index:
    """The index arrays one after the other (none: an empty index)."""
    if not parts:
        return np.zeros(0, dtype=np.intp)
    return np.asarray(np.concatenate(parts), dtype=np.intp)


def _probability_gate(
    gate: _Gate, cells: FloatArray, absent: FloatArray | None = None
) -> FloatArray:
    """`rule_probability` of each node of the gate, element by element the same arithmetic
    (``absent``: P(established absent) per finding, where it is not 1 - present)."""
    first, rest = gate.inputs[0], gate.inputs[1:]
    if gate.kind == "absent":
        if absent is not None and gate.findings is not None:
            return absent[gate.findings]
        return 1.0 - cells[first]
    if gate.kind == "all":  # math.prod of the parts
        cells[-1] = 1.0
        product = cells[first]
        for inputs in rest:
            product = product * cells[inputs]
        return product
    if gate.kind == "any":  # 1 - math.prod(1 - part)
        cells[-1] = 0.0
        product = 1 - cells[first]
        for inputs in rest:
            product = product * (1 - cells[inputs])
        return 1.0 - product
    cells[-1] = 0.0  # a padded part never holds and leaves every count unchanged
    return _at_least_probability([cells[i] for i in gate.inputs], gate.at_least)


def _at_least_probability(parts: list[FloatArray], at_least: int) -> FloatArray:
    """P(at least ``at_least`` parts hold), a Poisson-binomial tail as `rule_probability`
    computes it."""
    counts: list[Any] = [1.0] + [0.0] * len(parts)
    for p in parts:
        counts = [counts[0] * (1 - p)] + [
            counts[k] * (1 - p) + counts[k - 1] * p for k in range(1, len(counts))
        ]
    return np.asarray(sum(counts[at_least:]), dtype=np.float64)


def _logic_gate(gate: _Gate, true: BoolArray, false: BoolArray) -> tuple[BoolArray, BoolArray]:
    """`evaluate`'s three-valued logic of each node of the gate: (holds, cannot hold)."""
    first = gate.inputs[0]
    if gate.kind == "absent":
        return false[first], true[first]
    if gate.kind in ("all", "any"):
        conjunction = gate.kind == "all"
        true[-1], false[-1] = conjunction, not conjunction  # the pad changes nothing
        holds, fails = true[first], false[first]
        for inputs in gate.inputs[1:]:
            if conjunction:
                holds, fails = holds & true[inputs], fails | false[inputs]
            else:
                holds, fails = holds | true[inputs], fails & false[inputs]
        return holds, fails
    true[-1], false[-1] = False, True  # a padded part cannot hold
    present = np.sum([true[i] for i in gate.inputs], axis=0)
    possible = np.sum([~false[i] for i in gate.inputs], axis=0)
    return present >= gate.at_least, possible < gate.at_least
