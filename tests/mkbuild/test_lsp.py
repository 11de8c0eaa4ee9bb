"""`mkbuild lsp` driven over stdio by pygls's own client, as an editor drives it:
diagnostics as you type, definitions, hovers, completion, rename; exact results."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

T = pytest.importorskip("lsprotocol.types", reason="pygls not installed: bash scripts/setup.sh")
from pygls.lsp.client import LanguageClient  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

SYSTEM = """\
import <std_connector.camkes>;
import "interfaces.camkes";

component Client {
    control;
    uses Store store;
    attribute int limit = 3;
}

component Server {
    provides Store store;
}

assembly {
    composition {
        component Client client;
        component Server server;
        connection seL4RPCCall fetch(from client.store, to server.store);
    }
    configuration {
        client.limit = 4;
        client.priority = 100;
        server.priority = 200;
    }
    policy {
        server cannot send to client;
    }
}
"""

INTERFACES = """\
procedure Store {
    int get(in int key);
    void put(in int key, in int value);
};
"""


def pos(text: str, needle: str, nth: int = 0, offset: int = 0) -> T.Position:
    """The position of the nth `needle` in text (plus offset characters)."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at)
    col = at - (text.rfind("\n", 0, at) + 1)
    return T.Position(line=line, character=col + offset)


class Session:
    def __init__(self, folder: Path):
        self.folder = folder
        self.client = LanguageClient("mkbuild-test", "1")
        self.diagnostics: dict[str, list[T.Diagnostic]] = {}
        self.got = asyncio.Event()

        @self.client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: T.PublishDiagnosticsParams) -> None:
            self.diagnostics[params.uri] = params.diagnostics
            self.got.set()

    async def start(self) -> None:
        await self.client.start_io(sys.executable, "-m", "mkbuild.cli", "lsp", cwd=str(ROOT))
        await self.client.initialize_async(T.InitializeParams(
            capabilities=T.ClientCapabilities(), root_uri=from_fs_path(str(self.folder))))
        self.client.initialized(T.InitializedParams())

    async def open(self, path: Path, version: int = 1) -> None:
        self.got.clear()
        self.client.text_document_did_open(T.DidOpenTextDocumentParams(
            text_document=T.TextDocumentItem(uri=from_fs_path(str(path)), language_id="camkes",
                                             version=version, text=path.read_text())))
        await asyncio.wait_for(self.got.wait(), 60)

    async def change(self, path: Path, text: str, version: int) -> None:
        self.got.clear()
        self.client.text_document_did_change(T.DidChangeTextDocumentParams(
            text_document=T.VersionedTextDocumentIdentifier(uri=from_fs_path(str(path)),
                                                            version=version),
            content_changes=[T.TextDocumentContentChangeWholeDocument(text=text)]))
        await asyncio.wait_for(self.got.wait(), 60)

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


def run(folder: Path, script) -> None:
    async def main():
        s = Session(folder)
        await s.start()
        try:
            await script(s)
        finally:
            await s.stop()
    asyncio.run(main())


@pytest.fixture
def system(tmp_path: Path) -> Path:
    (tmp_path / "interfaces.camkes").write_text(INTERFACES)
    path = tmp_path / "system.adl"
    path.write_text(SYSTEM)
    return path


def test_diagnostics_as_you_type_and_cleared_when_fixed(system):
    uri = from_fs_path(str(system))

    async def script(s: Session):
        await s.open(system)
        assert list(s.diagnostics[uri]) == []
        broken = SYSTEM.replace("to server.store", "to server.stor")
        await s.change(system, broken, 2)  # not saved: the buffer is what is checked
        [d] = s.diagnostics[uri]
        assert d.message == ("unknown interface `stor` of instance `server` (component "
                             "`Server`)\nhint: did you mean `store`?")
        assert d.severity == T.DiagnosticSeverity.Error
        # the whole end `server.stor`, as `check` underlines it
        assert (d.range.start, d.range.end) == (pos(SYSTEM, "server.store"),
                                                pos(SYSTEM, "server.store", 0, 11))
        # A refuted policy is a diagnostic too, with its counterexample as related places.
        leaky = SYSTEM.replace("server cannot send to client;", "no flow from server to client;")
        await s.change(system, leaky, 3)
        [d] = s.diagnostics[uri]
        assert d.message == ("policy `no flow from server to client` does not hold: "
                             "counterexample in 1 step")
        assert [r.message for r in d.related_information] == [
            "server -> client: replies to `client` over endpoint `fetch.ep` "
            "(connection `fetch`)"]
        await s.change(system, SYSTEM, 4)
        assert list(s.diagnostics[uri]) == []

    run(system.parent, script)


def test_definitions_of_types_instances_interfaces_and_imports(system):
    uri = from_fs_path(str(system))
    iface_uri = from_fs_path(str(system.parent / "interfaces.camkes"))

    async def script(s: Session):
        await s.open(system)

        async def where(p: T.Position):
            loc = await s.client.text_document_definition_async(T.DefinitionParams(
                text_document=T.TextDocumentIdentifier(uri=uri), position=p))
            return loc.uri, loc.range.start.line + 1, loc.range.start.character + 1

        # the procedure named by `uses Store store;` is in the imported file
        assert await where(pos(SYSTEM, "uses Store", 0, 5)) == (iface_uri, 1, 11)
        # `component Client client;` -> the component's definition
        assert await where(pos(SYSTEM, "component Client client", 0, 11)) == (uri, 4, 11)
        # `client.store` in the connection: `client` -> the instance ...
        assert await where(pos(SYSTEM, "from client.store", 0, 6)) == (uri, 16, 26)
        # ... and `store` -> the interface of the client's component
        assert await where(pos(SYSTEM, "from client.store", 0, 13)) == (uri, 6, 16)
        # the import line -> the file it imports
        assert await where(pos(SYSTEM, '"interfaces.camkes"', 0, 3)) == (iface_uri, 1, 1)

    run(system.parent, script)


def test_hover_shows_methods_threads_priorities_and_slots(system):
    uri = from_fs_path(str(system))

    async def script(s: Session):
        await s.open(system)

        async def text(p: T.Position) -> str:
            h = await s.client.text_document_hover_async(T.HoverParams(
                text_document=T.TextDocumentIdentifier(uri=uri), position=p))
            return h.contents.value

        assert await text(pos(SYSTEM, "uses Store", 0, 6)) == (
            "**procedure Store**\n\n```\nint get(in int key);\n"
            "void put(in int key, in int value);\n```")
        hover = await text(pos(SYSTEM, "server.priority", 0, 1))
        assert hover.splitlines() == [
            "**instance server**: component `Server`", "",
            "threads: `server.store` priority 200", "",
            "capabilities (layout for qemu-arm-virt):", "",
            "- slot 1: `fetch.ep` (R)"]

    run(system.parent, script)


def test_completion_of_connectors_components_instances_and_interfaces(system):
    uri = from_fs_path(str(system))

    async def labels(s: Session, text: str, p: T.Position) -> list[str]:
        await s.change(system, text, 9)
        got = await s.client.text_document_completion_async(T.CompletionParams(
            text_document=T.TextDocumentIdentifier(uri=uri), position=p))
        return [i.label for i in got.items]

    async def script(s: Session):
        await s.open(system)
        text = SYSTEM.replace("        connection seL4RPCCall fetch",
                              "        connection seL4RPC\n        connection seL4RPCCall fetch")
        got = await labels(s, text, pos(text, "seL4RPC\n", 0, 7))
        assert "seL4RPCCall" in got and "seL4SharedData" in got and "Client" not in got
        text = SYSTEM.replace("component Server server;", "component Server server;\n"
                                                          "        component Cl")
        assert await labels(s, text, pos(text, "component Cl\n", 0, 12)) == ["Client", "Server"]
        text = SYSTEM.replace("client.limit = 4;", "client.")
        assert await labels(s, text, pos(text, "client.\n", 0, 7)) == ["store", "limit"]
        text = SYSTEM.replace("client.limit = 4;", "cl")
        assert await labels(s, text, pos(text, "cl\n", 0, 2)) == ["client", "server"]

    run(system.parent, script)


def test_rename_an_instance_everywhere_it_is_written(system):
    uri = from_fs_path(str(system))

    async def script(s: Session):
        await s.open(system)
        edit = await s.client.text_document_rename_async(T.RenameParams(
            text_document=T.TextDocumentIdentifier(uri=uri),
            position=pos(SYSTEM, "component Server server", 0, 18), new_name="store"))
        lines = SYSTEM.splitlines()
        for e in sorted(edit.changes[uri], key=lambda e: (e.range.start.line,
                                                          e.range.start.character),
                        reverse=True):
            line = lines[e.range.start.line]
            lines[e.range.start.line] = (line[:e.range.start.character] + e.new_text
                                         + line[e.range.end.character:])
        assert list(edit.changes) == [uri]
        renamed = "\n".join(lines) + "\n"
        assert renamed == (SYSTEM.replace("component Server server;", "component Server store;")
                           .replace("to server.store", "to store.store")
                           .replace("server.priority", "store.priority")
                           .replace("server cannot send", "store cannot send"))

    run(system.parent, script)


def test_rename_reaches_the_files_the_system_includes(tmp_path):
    (tmp_path / "interfaces.camkes").write_text(INTERFACES)
    system = tmp_path / "system.adl"
    system.write_text(SYSTEM.replace("        client.priority = 100;\n        server.priority = 200;\n",
                                     '#include "settings.inc"\n'))
    settings = tmp_path / "settings.inc"
    settings.write_text("client.priority = 100;\nserver.priority = 200;\n")

    async def script(s: Session):
        await s.open(system)
        assert list(s.diagnostics[from_fs_path(str(system))]) == []
        edit = await s.client.text_document_rename_async(T.RenameParams(
            text_document=T.TextDocumentIdentifier(uri=from_fs_path(str(system))),
            position=pos(system.read_text(), "server.store", 0, 2), new_name="store"))
        got = {uri: sorted((e.range.start.line + 1, e.range.start.character + 1, e.new_text)
                           for e in edits) for uri, edits in edit.changes.items()}
        assert got == {
            # the declaration, the connection end, the policy statement ...
            from_fs_path(str(system)): [(17, 26, "store"), (18, 60, "store"), (25, 9, "store")],
            # ... and the setting in the included file
            from_fs_path(str(settings)): [(2, 1, "store")]}

    run(tmp_path, script)
