"""The import contract: dependencies point inward, as docs/ARCHITECTURE.md draws them.

    channels → dialogue → services (and the scheduler) → storage / knowledge / text

Messages and renderers turn data into text and files and depend on no service; the kernel (the two halves
of the channel contract, the views, the clock and the settings) is importable from everywhere and imports
nothing above it. Every import counts, including those inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "scheduler")

# Longest prefix wins.
LAYERS: dict[str, str] = {
    "bot.clock": "kernel",
    "bot.config": "kernel",
    "bot.dialogue.contract": "kernel",
    "bot.dialogue.buttons": "kernel",
    "bot.channels.contract": "kernel",
    "bot.domain.views": "kernel",
    "bot.text": "text",
    "bot.domain": "domain",
    "bot.knowledge": "knowledge",
    "bot.documents": "knowledge",
    "bot.plans": "knowledge",
    "bot.roster": "knowledge",
    "bot.storage": "storage",
    "bot.services": "services",
    "scheduler": "scheduler",
    "bot.messages": "presentation",
    "bot.render": "presentation",
    "bot.dialogue": "dialogue",
    "bot.channels": "channels",
    "bot.bootstrap": "root",
    "bot.cli": "root",
    "bot.__main__": "root",
    "bot": "kernel",  # the package itself
}

BELOW_SERVICES = {"kernel", "text", "domain", "knowledge", "storage"}
MAY_IMPORT: dict[str, set[str]] = {
    "kernel": {"kernel"},
    "text": {"kernel", "text"},
    "domain": {"kernel", "text", "domain"},
    "knowledge": {"kernel", "text", "domain", "knowledge"},
    "storage": {"kernel", "storage"},
    "services": BELOW_SERVICES | {"services"},
    "scheduler": BELOW_SERVICES | {"services", "scheduler"},
    "presentation": {"kernel", "text", "domain", "knowledge", "presentation"},
    "dialogue": BELOW_SERVICES | {"services", "presentation", "dialogue"},
    "channels": {"kernel", "text", "presentation", "dialogue", "scheduler", "channels"},
    "root": set(LAYERS.values()),
}

# Known exceptions, each with its reason. Keep this list short.
EXCEPTIONS: set[tuple[str, str]] = set()

CHANNELS = ("bot.channels.telegram", "bot.channels.zalo", "bot.channels.zalo_oa", "bot.channels.console")
# Only these touch SQLAlchemy models and sessions.
STORAGE_USERS = {"storage", "services", "scheduler", "root"}


def layer_of(module: str) -> str:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return LAYERS[prefix]
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS in tests/test_architecture.py")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = modules()


def resolve(name: str) -> str | None:
    """The project module an imported name refers to (the longest existing prefix), or None if not ours."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if (target := resolve(alias.name)) is not None:
                    yield node.lineno, target
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                target = resolve(f"{node.module}.{alias.name}") or resolve(node.module)
                if target is not None:
                    yield node.lineno, target


GRAPH = {module: sorted(set(imports_of(path))) for module, path in MODULES.items()}


def test_every_module_belongs_to_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def against_layers(graph: dict[str, list[tuple[int, str]]]) -> list[str]:
    wrong = []
    for module, imports in graph.items():
        mine = layer_of(module)
        for line, target in imports:
            theirs = layer_of(target)
            if theirs not in MAY_IMPORT[mine] and (module, target) not in EXCEPTIONS:
                wrong.append(f"{module}:{line}: {mine} imports {theirs} {target}")
    return wrong


def test_no_layer_imports_one_above_it() -> None:
    wrong = against_layers(GRAPH)
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_the_contract_catches_an_upward_import() -> None:
    graph = {
        "bot.services.events": [(1, "bot.messages.vi_events")],
        "bot.dialogue.core": [(2, "bot.channels.telegram.runner")],
        "bot.messages.vi": [(3, "bot.text.normalize")],
    }
    assert against_layers(graph) == [
        "bot.services.events:1: services imports presentation bot.messages.vi_events",
        "bot.dialogue.core:2: dialogue imports channels bot.channels.telegram.runner",
    ]


def test_no_channel_imports_another_channel() -> None:
    wrong = []
    for module, imports in GRAPH.items():
        own = next((c for c in CHANNELS if module == c or module.startswith(c + ".")), None)
        if own is None:
            continue
        for line, target in imports:
            other = next((c for c in CHANNELS if target == c or target.startswith(c + ".")), None)
            if other is not None and other != own:
                wrong.append(f"{MODULES[module].relative_to(ROOT)}:{line}: {module} imports {target}")
    assert not wrong, "channels importing each other:\n" + "\n".join(wrong)


def test_only_services_and_the_scheduler_touch_the_database_models() -> None:
    wrong = [
        f"{MODULES[module].relative_to(ROOT)}:{line}: {module} imports {target}"
        for module, imports in GRAPH.items()
        for line, target in imports
        if target in ("bot.storage.models", "bot.storage.db") and layer_of(module) not in STORAGE_USERS
    ]
    assert not wrong, "\n".join(wrong)


def test_there_are_no_import_cycles() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for _, target in GRAPH[module]:
            if target == module or target.startswith(module + ".") or (module, target) in EXCEPTIONS:
                continue  # a package's own submodules; a listed type-only import
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert not cycles, "import cycles: " + "; ".join(" ↔ ".join(c) for c in cycles)


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("bot.channels.telegram.runner", "channels"),
        ("bot.dialogue.core", "dialogue"),
        ("bot.dialogue.contract", "kernel"),
        ("bot.services.events", "services"),
        ("bot.messages.vi", "presentation"),
        ("scheduler.dispatcher", "scheduler"),
    ],
)
def test_modules_are_placed_where_the_architecture_says(module: str, layer: str) -> None:
    assert layer_of(module) == layer
