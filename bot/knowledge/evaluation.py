"""Evaluation sets: member-style questions with the entries that answer them (or none)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Case:
    question: str
    expect: frozenset[str]  # empty: out of scope, must be refused

    @property
    def in_scope(self) -> bool:
        return bool(self.expect)


def load_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = []
    for raw in data["cases"]:
        expect = raw.get("expect")
        ids = [] if expect is None else [expect] if isinstance(expect, str) else list(expect)
        cases.append(Case(str(raw["q"]), frozenset(ids)))
    return cases


# A system under evaluation: question -> (answered, best id or None, best score)
System = Callable[[str], tuple[bool, str | None, float]]


@dataclass
class Report:
    in_scope: int = 0
    right: int = 0
    wrong: int = 0  # answered, but with a wrong entry: the failure that matters most
    refused_in_scope: int = 0
    out_of_scope: int = 0
    refused_out: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.in_scope if self.in_scope else 0.0

    @property
    def refusal(self) -> float:
        return self.refused_out / self.out_of_scope if self.out_of_scope else 0.0


def evaluate(system: System, cases: Sequence[Case]) -> Report:
    report = Report()
    for case in cases:
        answered, best, score = system(case.question)
        if case.in_scope:
            report.in_scope += 1
            if answered and best in case.expect:
                report.right += 1
                continue
            if answered:
                report.wrong += 1
                report.failures.append(f"WRONG   {case.question!r} -> {best} ({score:.1f}); want {sorted(case.expect)}")
            else:
                report.refused_in_scope += 1
                report.failures.append(
                    f"REFUSED {case.question!r} (best {best} {score:.1f}); want {sorted(case.expect)}"
                )
        else:
            report.out_of_scope += 1
            if answered:
                report.failures.append(f"ANSWERED-OOS {case.question!r} -> {best} ({score:.1f})")
            else:
                report.refused_out += 1
    return report
