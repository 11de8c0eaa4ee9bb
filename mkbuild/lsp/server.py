"""`mkbuild lsp`: a Language Server Protocol server over stdio, built on pygls.

- diagnostics as you type: the ones `mkbuild check` gives (front end, authority
  checks, policy results), published for every file of the system on open, change
  and save; unsaved buffers are read in place of their files (`load_system`'s overlay);
- go to definition of components, procedures, connectors, instances, interfaces,
  attributes, connections, and of the file an `import` names;
- hover: a procedure's methods, a component's interfaces, an instance's component,
  threads and priorities and its capability slots and addresses as the layout for
  qemu-arm-virt places them;
- completion of connector names after `connection`, component names after
  `component`, instance names elsewhere, interfaces and attributes after `inst.`;
- rename of an instance in every file of the system.

The system of a document is the document itself when it has an `assembly`, else the
nearest `*.adl` / `*.camkes` with one in its folder or the folders above it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lsprotocol import types as T
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from dsl import load_system
from mkbuild.lsp import names
from model.system import Span, System

SEVERITY = {"error": T.DiagnosticSeverity.Error, "warning": T.DiagnosticSeverity.Warning,
            "note": T.DiagnosticSeverity.Information}
ASSEMBLY = re.compile(r"\bassembly\s*\{")


class SystemServer(LanguageServer):
    def __init__(self) -> None:
        from mkbuild.cli import _version

        super().__init__("mkbuild", _version())
        self.systems: dict[str, System] = {}  # root file -> last system loaded without errors
        self.published: dict[str, set[str]] = {}  # root file -> uris given diagnostics

    # ---- loading ----------------------------------------------------------------

    def root_of(self, path: str) -> str:
        text = self._text(path)
        if text is not None and ASSEMBLY.search(text):
            return path
        folder = Path(path).parent
        for _ in range(6):
            for candidate in sorted(folder.glob("*.adl")) + sorted(folder.glob("*.camkes")):
                body = self._text(str(candidate))
                if body and ASSEMBLY.search(body):
                    return str(candidate)
            if folder.parent == folder:
                break
            folder = folder.parent
        return path

    def _text(self, path: str) -> str | None:
        doc = self.workspace.text_documents.get(from_fs_path(path))
        if doc is not None:
            return doc.source
        try:
            return Path(path).read_text(errors="replace")
        except OSError:
            return None

    def load(self, root: str) -> tuple[System | None, list]:
        from mkbuild.system_checks import check
        from model.diagnostics import has_errors

        unsaved = {os.path.realpath(path): doc.source
                   for uri, doc in self.workspace.text_documents.items()
                   if (path := to_fs_path(uri))}
        system, diags = load_system(root, overlay=unsaved)
        if system is not None and not has_errors(diags):
            diags = diags + check(system)
            self.systems[root] = system
        return system, diags

    def system_for(self, path: str) -> System | None:
        root = self.root_of(path)
        if root not in self.systems:
            self.load(root)
        return self.systems.get(root)

    def check(self, path: str) -> None:
        root = self.root_of(path)
        _, diags = self.load(root)
        by_uri: dict[str, list[T.Diagnostic]] = {from_fs_path(root): []}
        for d in diags:
            span = d.span if d.span and d.span.line > 0 and not d.span.file.startswith("<") \
                else Span(root, 1, 1)
            uri = from_fs_path(os.path.abspath(span.file))
            message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
            related = [T.DiagnosticRelatedInformation(
                location=T.Location(uri=from_fs_path(os.path.abspath(s.file)), range=_range(s)),
                message=m) for s, m in d.notes if s is not None and s.line > 0]
            by_uri.setdefault(uri, []).append(T.Diagnostic(
                range=_range(span), message=message, severity=SEVERITY.get(d.severity),
                source="mkbuild", related_information=related or None))
        for uri in self.published.get(root, set()) - set(by_uri):
            by_uri[uri] = []  # clear what was published before and is fixed now
        self.published[root] = {u for u, ds in by_uri.items() if ds}
        for uri, ds in sorted(by_uri.items()):
            self.text_document_publish_diagnostics(
                T.PublishDiagnosticsParams(uri=uri, diagnostics=ds))


def _range(span: Span) -> T.Range:
    start = T.Position(line=span.line - 1, character=max(span.col - 1, 0))
    if span.end_line >= span.line and (span.end_line, span.end_col) > (span.line, span.col):
        end = T.Position(line=span.end_line - 1, character=span.end_col - 1)
    else:
        end = T.Position(line=span.line - 1, character=span.col)
    return T.Range(start=start, end=end)


def _location(span: Span) -> T.Location:
    return T.Location(uri=from_fs_path(os.path.abspath(span.file)), range=_range(span))


server = SystemServer()


def _line(ls: SystemServer, uri: str, line: int) -> str:
    doc = ls.workspace.get_text_document(uri)
    lines = doc.source.splitlines()
    return lines[line] if 0 <= line < len(lines) else ""


def _symbol(ls: SystemServer, uri: str, pos: T.Position):
    path = to_fs_path(uri)
    system = ls.system_for(path)
    if system is None:
        return None, None
    text = _line(ls, uri, pos.line)
    return system, names.resolve(system, path, text, pos.line + 1, pos.character + 1)


@server.feature(T.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: SystemServer, params: T.DidOpenTextDocumentParams) -> None:
    ls.check(to_fs_path(params.text_document.uri))


@server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: SystemServer, params: T.DidChangeTextDocumentParams) -> None:
    ls.check(to_fs_path(params.text_document.uri))


@server.feature(T.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: SystemServer, params: T.DidSaveTextDocumentParams) -> None:
    ls.check(to_fs_path(params.text_document.uri))


@server.feature(T.TEXT_DOCUMENT_DEFINITION)
def definition(ls: SystemServer, params: T.DefinitionParams) -> T.Location | None:
    _, sym = _symbol(ls, params.text_document.uri, params.position)
    return _location(sym.span) if sym is not None else None


@server.feature(T.TEXT_DOCUMENT_HOVER)
def hover(ls: SystemServer, params: T.HoverParams) -> T.Hover | None:
    system, sym = _symbol(ls, params.text_document.uri, params.position)
    if sym is None:
        return None
    slots = names.instance_slots(system) if sym.kind == "instance" else None
    return T.Hover(contents=T.MarkupContent(kind=T.MarkupKind.Markdown,
                                            value=names.describe(system, sym, slots)))


@server.feature(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=["."]))
def completion(ls: SystemServer, params: T.CompletionParams) -> T.CompletionList:
    system = ls.system_for(to_fs_path(params.text_document.uri))
    items: list[T.CompletionItem] = []
    if system is not None:
        prefix = _line(ls, params.text_document.uri, params.position.line)[
            :params.position.character]
        dotted = re.search(r"([A-Za-z_][A-Za-z0-9_.]*)\.([A-Za-z0-9_]*)$", prefix)
        if re.search(r"\bconnection\s+\w*$", prefix):
            items = [T.CompletionItem(label=n, kind=T.CompletionItemKind.Class)
                     for n in sorted(system.connector_types)]
        elif re.search(r"\bcomponent\s+\w*$", prefix):
            items = [T.CompletionItem(label=n, kind=T.CompletionItemKind.Module)
                     for n in sorted(system.component_types)]
        elif dotted and dotted.group(1) in system.instances:
            ctype = system.component_types.get(system.instances[dotted.group(1)].type)
            if ctype is not None:
                items = [T.CompletionItem(label=i, kind=T.CompletionItemKind.Interface,
                                          detail=f"{iface.kind} {iface.type}")
                         for i, iface in sorted(ctype.interfaces.items())]
                items += [T.CompletionItem(label=a, kind=T.CompletionItemKind.Property,
                                           detail=f"attribute {d.type}")
                          for a, d in sorted(ctype.attributes.items())]
        else:
            items = [T.CompletionItem(label=n, kind=T.CompletionItemKind.Variable,
                                      detail=f"instance of {i.type}")
                     for n, i in sorted(system.instances.items())]
    return T.CompletionList(is_incomplete=False, items=items)


@server.feature(T.TEXT_DOCUMENT_RENAME)
def rename(ls: SystemServer, params: T.RenameParams) -> T.WorkspaceEdit | None:
    system, sym = _symbol(ls, params.text_document.uri, params.position)
    if sym is None or sym.kind != "instance":
        raise ValueError("only instances can be renamed")
    if "." in sym.name:
        raise ValueError(f"`{sym.name}` is an instance inside a composite component: rename "
                         f"it where the composite declares it")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", params.new_name):
        raise ValueError(f"`{params.new_name}` is not a name")
    if params.new_name in system.instances:
        raise ValueError(f"an instance `{params.new_name}` exists already")
    changes: dict[str, list[T.TextEdit]] = {}
    for span in names.instance_references(system, sym.name):
        path = os.path.abspath(span.file)
        text = ls._text(path) or ""
        lines = text.splitlines()
        line = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
        if line[span.col - 1:span.col - 1 + len(sym.name)] != sym.name:
            continue  # written through a macro: not this text
        start = T.Position(line=span.line - 1, character=span.col - 1)
        end = T.Position(line=span.line - 1, character=span.col - 1 + len(sym.name))
        changes.setdefault(from_fs_path(path), []).append(
            T.TextEdit(range=T.Range(start=start, end=end), new_text=params.new_name))
    return T.WorkspaceEdit(changes=changes)


def main() -> int:
    server.start_io()
    return 0
