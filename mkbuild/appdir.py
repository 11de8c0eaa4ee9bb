"""CAmkES application directories: what to build, from where, and what to expect.

A CAmkES app is a directory whose `CMakeLists.txt` declares its components
(`DeclareCAmkESComponent`), its root ADL file (`DeclareCAmkESRootserver`),
extra import paths, header-only libraries, CAmkES options and the console
output its simulation test waits for (`add_simulate_test`). `load_app()` reads
all of that into an `App` without running CMake.

mkbuild's own layout needs no CMake at all: a `system.adl` (or one `.adl` /
`.camkes` file) whose components' code the build finds by CAmkES's conventions
(mkbuild.build.component_sources: `components/<Type>/src/*.c`,
`components/<Type>/include`). `load_app()` on such a directory, or on an ADL file,
gives an App with no components of its own; its expected console output, for `mkbuild test`, is the file beside the
root ADL file with the suffix `.expect` (`system.expect`: one pattern a line, in
order; blank lines and lines starting with `#` are skipped).

Paths in an App are absolute. Problems come back as Diagnostics, never raised.
"""

from __future__ import annotations

import os.path
import re
from dataclasses import dataclass, field
from pathlib import Path

from mkbuild import cmake, global_components
from mkbuild.toolchain import RUNTIME_LIB_INCLUDES
from model.diagnostics import Diagnostic, error, has_errors, warning
from model.system import Span

ADL_SUFFIXES = (".adl", ".camkes")

# Multi-value keywords of DeclareCAmkESComponent, as the CAmkES manual lists them.
COMPONENT_KEYWORDS = (
    "SOURCES",
    "INCLUDES",
    "C_FLAGS",
    "LD_FLAGS",
    "LIBS",
    "TEMPLATE_SOURCES",
    "TEMPLATE_HEADERS",
)
ROOTSERVER_KEYWORDS = ("CPP_FLAGS", "CPP_INCLUDES")

# A LIBS entry naming one of them needs nothing more (its headers are on every path).
RUNTIME_LIB_NAMES = frozenset(p.parent.name for p in RUNTIME_LIB_INCLUDES)


@dataclass
class ComponentBuild:
    """How to build the C code of one component type."""

    name: str
    sources: list[Path] = field(default_factory=list)
    # INCLUDES, then header-only LIBS, then RUNTIME_LIB_INCLUDES
    include_dirs: list[Path] = field(default_factory=list)
    c_flags: list[str] = field(default_factory=list)
    ld_flags: list[str] = field(default_factory=list)
    libs: list[str] = field(default_factory=list)  # LIBS as written
    template_sources: list[str] = field(default_factory=list)
    template_headers: list[str] = field(default_factory=list)
    span: Span | None = None


@dataclass
class Library:
    """A header-only library: `add_library(NAME INTERFACE)` + its include dirs."""

    name: str
    include_dirs: list[Path] = field(default_factory=list)
    span: Span | None = None


@dataclass
class ConnectorTemplates:
    """`DeclareCAmkESConnector(Name FROM f.c TO t.c ...)`: a user-defined connector."""

    name: str
    args: dict[str, list[str]]  # keyword -> values, e.g. {"FROM": [...], "TO": [...]}
    span: Span | None = None


@dataclass
class App:
    directory: Path
    root: Path  # the root ADL file
    layout: str  # "cmake" (CMakeLists.txt) | "adl" (mkbuild's conventions)
    import_paths: list[Path] = field(default_factory=list)  # for `import <...>;`
    cpp_includes: list[Path] = field(default_factory=list)  # for `#include` in ADL
    cpp_flags: list[str] = field(default_factory=list)  # as written
    cpp_defines: dict[str, str] = field(default_factory=dict)  # -DNAME[=VALUE] of cpp_flags
    components: dict[str, ComponentBuild] = field(default_factory=dict)
    libraries: dict[str, Library] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)  # set(CAmkES... CACHE ...)
    expectations: list[str] = field(default_factory=list)  # glob patterns, in order
    # add_simulate_test's `send`: text typed on the console once that many patterns were seen
    inputs: dict[int, str] = field(default_factory=dict)
    templates_paths: list[Path] = field(default_factory=list)
    connectors: dict[str, ConnectorTemplates] = field(default_factory=dict)
    global_components: bool = False  # includeGlobalComponents() was called
    compile_options: list[str] = field(default_factory=list)  # add_compile_options()

    def search_dirs(self) -> tuple[str, ...]:
        """Where the front end looks for `import`s and `#include`s of the ADL, in order:
        pass as `dsl.load_system(app.root, include_dirs=app.search_dirs(),
        defines=app.cpp_defines)`."""
        return tuple(str(p) for p in _dedup(self.import_paths + self.cpp_includes))

    def option(self, name: str) -> bool:
        """A boolean CAmkES option as CMake would read it (unset is false)."""
        return self.options.get(name, "").upper() in ("ON", "1", "TRUE", "YES", "Y")


# ---- keyword argument splitting ------------------------------------------------


def split_keywords(
    values: list[str], keywords: tuple[str, ...]
) -> tuple[list[str], dict[str, list[str]]]:
    """cmake_parse_arguments for multi-value keywords: (leading values, keyword -> values)."""
    leading: list[str] = []
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for v in values:
        if v in keywords:
            current = found.setdefault(v, [])
        elif current is None:
            leading.append(v)
        else:
            current.append(v)
    return leading, found


def _defines(flags: list[str]) -> dict[str, str]:
    defines: dict[str, str] = {}
    for flag in flags:
        if flag.startswith("-D") and len(flag) > 2:
            name, _, value = flag[2:].partition("=")
            defines[name] = value if "=" in flag else "1"
    return defines


# ---- add_simulate_test scripts (a sliver of Tcl) -------------------------------

_TCL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _tcl_chars(script: str, i: int, stop: str) -> tuple[str, int]:
    """The characters from i up to one of `stop` (or the end), backslash
    substitutions made; and where it stopped."""
    out: list[str] = []
    while i < len(script) and script[i] not in stop:
        if script[i] == "\\":
            rep, i = _tcl_backslash(script, i)
            out.append(rep)
        else:
            out.append(script[i])
            i += 1
    return "".join(out), i


def _tcl_backslash(text: str, i: int) -> tuple[str, int]:
    """Backslash substitution at text[i] == '\\': (replacement, next index)."""
    if i + 1 >= len(text):
        return "\\", i + 1
    nxt = text[i + 1]
    if nxt == "\n":  # backslash-newline plus following blanks is one space
        j = i + 2
        while j < len(text) and text[j] in " \t":
            j += 1
        return " ", j
    return _TCL_ESCAPES.get(nxt, nxt), i + 2


def tcl_commands(script: str) -> tuple[list[list[str]], list[str]]:
    """Split a Tcl script into commands of words (quotes, braces, backslashes).

    Command and variable substitution (`[...]`, `$x`) are not performed: the
    text is kept as written. Returns (commands, problems).
    """
    commands: list[list[str]] = []
    problems: list[str] = []
    words: list[str] = []
    i, n = 0, len(script)
    while i < n:
        ch = script[i]
        if ch in " \t\r":
            i += 1
            continue
        if ch in "\n;":
            if words:
                commands.append(words)
                words = []
            i += 1
            continue
        if ch == "#" and not words:
            while i < n and script[i] != "\n":
                i += 1
            continue
        if ch == '"':
            word, i = _tcl_chars(script, i + 1, '"')
            if i >= n:
                problems.append("missing closing `\"`")
            i += 1
            words.append(word)
            continue
        if ch == "{":
            depth, j = 1, i + 1
            while j < n and depth:
                if script[j] == "\\":
                    j += 2
                    continue
                depth += {"{": 1, "}": -1}.get(script[j], 0)
                j += 1
            if depth:
                problems.append("missing closing `}`")
            words.append(script[i + 1 : j - 1] if not depth else script[i + 1 :])
            i = j
            continue
        word, i = _tcl_chars(script, i, " \t\r\n;")
        words.append(word)
    if words:
        commands.append(words)
    return commands, problems


def tcl_unescape(text: str) -> str:
    """Tcl's backslash substitution for the text of `send` (`\\r` is a carriage return)."""
    return re.sub(r"\\(.)", lambda m: _TCL_ESCAPES.get(m.group(1), m.group(1)), text)


def parse_expectations(script: str, span: Span | None,
                       inputs: dict[int, str] | None = None,
                       already: int = 0) -> tuple[list[str], list[Diagnostic]]:
    """The `wait_for "pattern"` lines of an add_simulate_test script, in order. A
    `send "text"` goes into `inputs`, keyed by how many patterns (counting `already`
    ones of earlier scripts) must have been seen before it is typed."""
    commands, problems = tcl_commands(script)
    diags = [error(f"add_simulate_test script: {p}", span) for p in problems]
    patterns: list[str] = []
    for words in commands:
        if words[0] == "wait_for" and len(words) == 2:
            patterns.append(words[1])
        elif words[0] in ("wait_for", "send") and len(words) != 2:
            diags.append(
                error(f"add_simulate_test: `{words[0]}` takes one argument, got {len(words) - 1}",
                      span)
            )
        elif words[0] == "send" and inputs is not None:
            at = already + len(patterns)
            inputs[at] = inputs.get(at, "") + tcl_unescape(words[1])
        else:
            diags.append(
                warning(
                    f"add_simulate_test: command `{words[0]}` is not supported "
                    f"(only `wait_for` and `send`); ignored",
                    span,
                )
            )
    return patterns, diags


# ---- matching console output against expectations ------------------------------


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile an expect glob: `*`, `?`, `[set]`, `\\x` literal; `^` anchors at the start.

    Unanchored otherwise, like expect's `wait_for`; `*` is lazy so a match ends
    as early as possible and the next pattern searches from there.
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    if pattern.startswith("^"):
        out.append(r"\A")
        i = 1
    while i < n:
        ch = pattern[i]
        if ch == "*":
            out.append("(?s:.*?)")
        elif ch == "?":
            out.append("(?s:.)")
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        elif ch == "[":
            close = pattern.find("]", i + 1)
            if close < 0:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : close]
                parts = []
                for c in body:
                    parts.append(c if c == "-" else re.escape(c))
                out.append("[" + "".join(parts) + "]")
                i = close
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out))


@dataclass
class ExpectationMatcher:
    """Feeds console output in chunks and checks the patterns in order."""

    patterns: list[str]
    buffer: str = ""
    consumed: int = 0  # buffer index after the last matched pattern
    matched: int = 0  # number of patterns matched so far
    _compiled: list[re.Pattern[str]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._compiled = [glob_to_regex(p) for p in self.patterns]

    @property
    def done(self) -> bool:
        return self.matched == len(self.patterns)

    @property
    def first_unmatched(self) -> str | None:
        return None if self.done else self.patterns[self.matched]

    def feed(self, chunk: str) -> bool:
        """Add console output; True once every pattern has been seen."""
        self.buffer += chunk
        while not self.done:
            m = self._compiled[self.matched].search(self.buffer, self.consumed)
            if m is None or (m.start() != self.consumed and self.patterns[self.matched].startswith("^")):
                break
            self.consumed = m.end()
            self.matched += 1
        return self.done


def match_in_order(patterns: list[str], console: str) -> str | None:
    """The first pattern not seen (in order) in `console`, or None if all were."""
    matcher = ExpectationMatcher(patterns)
    matcher.feed(console)
    return matcher.first_unmatched


# ---- reading CMakeLists.txt ---------------------------------------------------


@dataclass
class _Reader:
    """Collects what the CAmkES commands of an app's list files declare."""

    app_dir: Path
    global_components_dir: Path | None
    components: dict[str, ComponentBuild] = field(default_factory=dict)
    libraries: dict[str, Library] = field(default_factory=dict)
    import_paths: list[Path] = field(default_factory=list)
    cpp_includes: list[Path] = field(default_factory=list)
    cpp_flags: list[str] = field(default_factory=list)
    roots: list[tuple[Path, Span]] = field(default_factory=list)
    expectations: list[str] = field(default_factory=list)
    inputs: dict[int, str] = field(default_factory=dict)
    templates_paths: list[Path] = field(default_factory=list)
    connectors: dict[str, ConnectorTemplates] = field(default_factory=dict)
    compile_options: list[str] = field(default_factory=list)
    global_components: bool = False

    def handlers(self) -> dict[str, cmake.Handler]:
        return {
            "declarecamkescomponent": self.declare_component,
            "declarecamkesrootserver": self.declare_rootserver,
            "camkesaddimportpath": self.add_import_path,
            "camkesaddcppinclude": self.add_cpp_include,
            "camkesaddtemplatespath": self.add_templates_path,
            "declarecamkesconnector": self.declare_connector,
            "add_library": self.add_library,
            "target_include_directories": self.target_include_directories,
            "add_simulate_test": self.add_simulate_test,
            "includeglobalcomponents": self.include_global_components,
            "add_compile_options": self.add_compile_options,
        }

    @staticmethod
    def _paths(values: list[str], ctx: cmake.Context) -> list[Path]:
        return [_absolute(v, ctx.source_dir) for v in values]

    def declare_component(
        self, values: list[str], cmd: cmake.Command, ctx: cmake.Context
    ) -> list[Diagnostic]:
        leading, kw = split_keywords(values, COMPONENT_KEYWORDS)
        if not leading:
            return [error("DeclareCAmkESComponent() needs a component type name", cmd.span)]
        name = leading[0]
        diags: list[Diagnostic] = []
        if leading[1:]:
            diags.append(
                warning(
                    f"DeclareCAmkESComponent({name}): arguments before any keyword ignored: "
                    + " ".join(leading[1:]),
                    cmd.span,
                    hint="keywords are " + ", ".join(COMPONENT_KEYWORDS),
                )
            )
        comp = self.components.setdefault(name, ComponentBuild(name, span=cmd.span))
        spans = _value_spans(cmd, ctx)
        # Repeated declarations of one type add to it, as CAmkES's target properties do.
        for keyword, exists, report, what, paths in (
                ("SOURCES", Path.is_file, error, "source file", comp.sources),
                ("INCLUDES", Path.is_dir, warning, "include directory", comp.include_dirs)):
            for value in kw.get(keyword, []):
                path = _absolute(value, ctx.source_dir)
                if not exists(path):
                    diags.append(report(f"{what} `{path}` of component `{name}` not found",
                                        spans.get(value, cmd.span)))
                paths.append(path)
        comp.c_flags += kw.get("C_FLAGS", [])
        comp.ld_flags += kw.get("LD_FLAGS", [])
        comp.libs += kw.get("LIBS", [])
        comp.template_sources += kw.get("TEMPLATE_SOURCES", [])
        comp.template_headers += kw.get("TEMPLATE_HEADERS", [])
        return diags

    def declare_rootserver(
        self, values: list[str], cmd: cmake.Command, ctx: cmake.Context
    ) -> list[Diagnostic]:
        leading, kw = split_keywords(values, ROOTSERVER_KEYWORDS)
        if len(leading) != 1:
            return [
                error(
                    "DeclareCAmkESRootserver() needs exactly one ADL file before its keywords, "
                    f"got {len(leading)}",
                    cmd.span,
                )
            ]
        self.roots.append((_absolute(leading[0], ctx.source_dir), cmd.span))
        self.cpp_includes += self._paths(kw.get("CPP_INCLUDES", []), ctx)
        self.cpp_flags += kw.get("CPP_FLAGS", [])
        for flag in kw.get("CPP_FLAGS", []):
            if flag.startswith("-I") and len(flag) > 2:
                self.cpp_includes.append(_absolute(flag[2:], ctx.source_dir))
        return []

    def add_import_path(
        self, values: list[str], cmd: cmake.Command, ctx: cmake.Context
    ) -> list[Diagnostic]:
        diags = []
        for p in self._paths(values, ctx):
            if not p.is_dir():
                diags.append(warning(f"import path `{p}` not found", cmd.span))
            self.import_paths.append(p)
        return diags

    def add_cpp_include(
        self, values: list[str], cmd: cmake.Command, ctx: cmake.Context
    ) -> list[Diagnostic]:
        self.cpp_includes += self._paths(values, ctx)
        return []

    def add_templates_path(
        self, values: list[str], cmd: cmake.Command, ctx: cmake.Context
    ) -> list[Diagnostic]:
        self.templates_paths += self._paths(values, ctx)
        return []

    def declare_connector(
        self, values: list[str], cmd: cmake.Command, ctx: cmake.Context
    ) -> list[Diagnostic]:
        leading, kw = split_keywords(
            values,
            ("FROM", "TO", "FROM_HEADER", "TO_HEADER", "FROM_LIBS", "TO_LIBS", "TYPE", "CAKEML_TO"),
        )
        if not leading:
            return [error("DeclareCAmkESConnector() needs a connector name", cmd.span)]
        self.connectors[leading[0]] = ConnectorTemplates(leading[0], kw, cmd.span)
        return []

    def add_library(
        self, values: list[str], cmd: cmake.Command, ctx: cmake.Context
    ) -> list[Diagnostic]:
        if len(values) >= 2 and values[1] == "INTERFACE":
            self.libraries.setdefault(values[0], Library(values[0], span=cmd.span))
            return []
        name = values[0] if values else "?"
        return [
            warning(
                f"add_library({name}) is not a header-only (INTERFACE) library; "
                "mkbuild does not build it",
                cmd.span,
            )
        ]

    def target_include_directories(
        self, values: list[str], cmd: cmake.Command, ctx: cmake.Context
    ) -> list[Diagnostic]:
        if not values:
            return [error("target_include_directories() needs a target", cmd.span)]
        lib = self.libraries.get(values[0])
        if lib is None:
            return [
                warning(
                    f"target_include_directories: `{values[0]}` is not a header-only library "
                    "declared before it; ignored",
                    cmd.span,
                )
            ]
        dirs = [v for v in values[1:] if v not in ("INTERFACE", "PUBLIC", "PRIVATE", "SYSTEM",
                                                   "BEFORE", "AFTER")]
        lib.include_dirs += self._paths(dirs, ctx)
        return []

    def add_simulate_test(
        self, values: list[str], cmd: cmake.Command, ctx: cmake.Context
    ) -> list[Diagnostic]:
        diags: list[Diagnostic] = []
        for script in values:
            patterns, d = parse_expectations(script, cmd.span, self.inputs,
                                             len(self.expectations))
            self.expectations += patterns
            diags += d
        return diags

    def include_global_components(
        self, values: list[str], cmd: cmake.Command, ctx: cmake.Context
    ) -> list[Diagnostic]:
        self.global_components = True
        gc = self.global_components_dir
        if gc is None:
            return [
                warning(
                    "includeGlobalComponents(): no global-components checkout given; "
                    "its interfaces and components are not on the import path "
                    "(mkbuild's own TimeServer and SerialServer are)",
                    cmd.span,
                    hint="pass global_components=PATH (mkbuild: --global-components PATH)",
                )
            ]
        ours, notes = global_components.choose(gc, cmd.span)
        modules = global_components.module_includes(gc, replaced=bool(ours))
        self.import_paths += ours + [gc / "interfaces", gc / "components"] + modules
        self.cpp_includes += modules
        return notes

    def add_compile_options(
        self, values: list[str], cmd: cmake.Command, ctx: cmake.Context
    ) -> list[Diagnostic]:
        self.compile_options += values
        return []


def _value_spans(cmd: cmake.Command, ctx: cmake.Context) -> dict[str, Span]:
    """Where each argument value of a command was written (first occurrence)."""
    spans: dict[str, Span] = {}
    for value, span in cmake.evaluate_args_with_spans(cmd.args, ctx.variables):
        spans.setdefault(value, span)
    return spans


def _absolute(value: str, base: Path) -> Path:
    p = Path(value)
    return p if p.is_absolute() else (base / p)


def _normal(p: Path) -> Path:
    """Absolute and without `..`/`.` parts, but symlinks left as the user wrote them."""
    return Path(os.path.normpath(p.absolute()))


def _load_cmake(
    directory: Path, global_components: Path | None, platform: str | None = None
) -> tuple[App | None, list[Diagnostic]]:
    reader = _Reader(directory, global_components)
    interp = cmake.Interpreter(reader.handlers())
    variables = {
        **cmake.platform_variables(platform),
        "CMAKE_SOURCE_DIR": str(directory),
        "PROJECT_SOURCE_DIR": str(directory),
        "CMAKE_CURRENT_SOURCE_DIR": str(directory),
    }
    diags = interp.run_file(directory / "CMakeLists.txt", directory, variables)
    listfile = Span(str(directory / "CMakeLists.txt"), 1, 1)
    if not reader.roots:
        diags.append(
            error(
                "no DeclareCAmkESRootserver(...) in CMakeLists.txt: which ADL file is the system?",
                listfile,
            )
        )
        return None, diags
    if len(reader.roots) > 1:
        diags.append(
            warning(
                "DeclareCAmkESRootserver() called more than once; using the last one",
                reader.roots[-1][1],
            )
        )
    root, root_span = reader.roots[-1]
    if not root.is_file():
        diags.append(error(f"root ADL file `{root}` not found", root_span))

    # Header-only libraries named in LIBS contribute their include directories.
    for comp in reader.components.values():
        for lib in comp.libs:
            if lib in reader.libraries:
                comp.include_dirs += reader.libraries[lib].include_dirs
            elif lib not in RUNTIME_LIB_NAMES:
                diags.append(
                    warning(
                        f"library `{lib}` of component `{comp.name}` is not a header-only "
                        "library declared by this app; ignored",
                        comp.span,
                    )
                )
        comp.sources = [_normal(p) for p in comp.sources]
        comp.include_dirs = _dedup([_normal(p) for p in comp.include_dirs]
                                   + list(RUNTIME_LIB_INCLUDES))

    options = {k: v for k, v in sorted(interp.cache.items()) if k.startswith("CAmkES")}
    app = App(
        directory=directory,
        root=_normal(root),
        layout="cmake",
        import_paths=_dedup([_normal(p) for p in reader.import_paths]),
        cpp_includes=_dedup([_normal(p) for p in reader.cpp_includes]),
        cpp_flags=reader.cpp_flags,
        cpp_defines=_defines(reader.cpp_flags),
        components=reader.components,
        libraries=reader.libraries,
        options=options,
        expectations=reader.expectations,
        inputs=reader.inputs,
        templates_paths=[_normal(p) for p in reader.templates_paths],
        connectors=reader.connectors,
        global_components=reader.global_components,
        compile_options=reader.compile_options,
    )
    return app, diags


def _dedup(paths: list[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))


# ---- mkbuild's own layout -------------------------------------------------------


def _find_root(directory: Path) -> tuple[Path | None, list[Diagnostic]]:
    for name in ("system.adl", "system.camkes"):
        if (directory / name).is_file():
            return directory / name, []
    candidates = sorted(p for p in directory.iterdir() if p.suffix in ADL_SUFFIXES and p.is_file())
    if len(candidates) == 1:
        return candidates[0], []
    if not candidates:
        return None, [
            error(
                f"`{directory}` has neither CMakeLists.txt nor an ADL file "
                "(system.adl, *.adl, *.camkes)"
            )
        ]
    names = ", ".join(p.name for p in candidates)
    return None, [
        error(
            f"`{directory}` has several ADL files ({names}) and no system.adl: "
            "which one is the system?",
            hint="name the file: mkbuild ... " + str(candidates[0]),
        )
    ]


def _load_conventions(root: Path) -> App:
    """An app in mkbuild's own layout: its components' code is found where the build
    finds it for any ADL file (mkbuild.build.component_sources), so nothing here."""
    return App(
        directory=_normal(root.parent),
        root=_normal(root),
        layout="adl",
        expectations=read_expect_file(root.with_suffix(EXPECT_SUFFIX)),
    )


EXPECT_SUFFIX = ".expect"


def read_expect_file(path: Path) -> list[str]:
    """The patterns of an expectations file (none if there is no such file)."""
    if not path.is_file():
        return []
    lines = (line.rstrip("\n") for line in path.read_text(errors="replace").splitlines())
    return [line for line in lines if line.strip() and not line.startswith("#")]


def load_app(
    path: str | Path, global_components: str | Path | None = None, platform: str | None = None
) -> tuple[App | None, list[Diagnostic]]:
    """Read an app: a CAmkES app directory, an ADL-layout directory, or an ADL file.
    `platform`: the board it is for, whose configuration its CMake conditions see."""
    p = _normal(Path(path))
    gc = _normal(Path(global_components)) if global_components else None
    try:
        if p.is_file():
            if p.suffix not in ADL_SUFFIXES and p.name != "CMakeLists.txt":
                return None, [
                    error(f"`{p}` is neither an app directory nor an .adl/.camkes file")
                ]
            if p.name == "CMakeLists.txt":
                return _load_cmake(p.parent, gc, platform)
            return _load_conventions(p), []
        if not p.is_dir():
            return None, [error(f"`{p}` does not exist")]
        if (p / "CMakeLists.txt").is_file():
            app, diags = _load_cmake(p, gc, platform)
            return (None if has_errors(diags) and app is None else app), diags
        root, diags = _find_root(p)
        if root is None:
            return None, diags
        return _load_conventions(root), diags
    except OSError as e:
        return None, [error(f"cannot read `{p}`: {e.strerror or e}")]
