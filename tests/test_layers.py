"""The layers point one way (docs/architecture.md): model <- the front ends (dsl,
sdf) <- the back end (mkbuild) <- the commands users run.

Reads every module's imports (at any depth, as a lazy import inside a function
is still a dependency; only `if TYPE_CHECKING:` blocks are left out) and fails
on an import of a higher layer, and on any cycle between modules or between
packages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("model", "dsl", "sdf", "mkbuild")  # the top-level packages read here
# A module may import modules of its own rank or below (longest prefix decides);
# the two front ends (ADL, Microkit SDF) share rank 1 and import neither each other.
RANKS = {
    "model": 0,
    "dsl": 1, "sdf": 1,  # front ends: text to model.system / sdf.model
    "mkbuild": 2,  # the back end: checks, layout, glue, build, boot spec, image
    "mkbuild.commands": 3, "mkbuild.cli": 3, "mkbuild.lsp": 3,  # what users run
}


def rank(module: str) -> int:
    while module not in RANKS:
        module = module.rpartition(".")[0]
    return RANKS[module]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for layer in LAYERS for p in sorted((REPO / layer).rglob("*.py"))}


def _runtime_nodes(tree: ast.AST):
    """Every node but those under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ours `name` imports (a `from pkg import sub` names the submodule)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        out |= {t for t in targets if t in known and t != name}
    return out


def import_graph() -> nx.DiGraph:
    mods = modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(mods)
    for name, path in mods.items():
        for target in imports_of(name, path, set(mods)):
            graph.add_edge(name, target)
    return graph


def package_of(module: str, packages: set[str]) -> str:
    while module not in packages:
        module = module.rpartition(".")[0]
    return module


def test_the_graph_sees_imports():
    graph = import_graph()
    assert ("mkbuild.pipeline", "mkbuild.build") in graph.edges
    assert ("dsl.loader", "dsl.parser") in graph.edges  # relative import
    assert ("dsl", "model.system") in graph.edges


def test_each_layer_imports_only_the_layers_below():
    wrong = [(a, b) for a, b in import_graph().edges
             if rank(b) > rank(a)
             or (rank(a) == rank(b) == 1 and a.split(".")[0] != b.split(".")[0])]
    assert wrong == []


def test_no_cycle_between_modules():
    graph = import_graph()
    # A package's __init__ gathering its modules' names is not a cycle of meaning:
    # leave out the edges from a package to its own modules.
    graph.remove_edges_from([(a, b) for a, b in list(graph.edges) if b.startswith(a + ".")])
    assert list(nx.simple_cycles(graph)) == []


def test_no_cycle_between_packages():
    mods = modules()
    packages = {module_name(p) for p in mods.values() if p.name == "__init__.py"}
    graph = nx.DiGraph()
    for a, b in import_graph().edges:
        pa, pb = package_of(a, packages), package_of(b, packages)
        if pa != pb and not pb.startswith(pa + "."):
            graph.add_edge(pa, pb)
    assert list(nx.simple_cycles(graph)) == []
