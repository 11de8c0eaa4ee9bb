"""Glue code generation on hand-built systems: the C API CAmkES users see, and that
it compiles with the cross compiler against the runtime headers."""

import shutil
import subprocess

import pytest

from mkbuild import codegen, layout, platform
from mkbuild.toolchain import RUNTIME_INCLUDE
from model.system import (
    AttributeDecl,
    ComponentType,
    Connection,
    DataportType,
    End,
    Instance,
    Interface,
    Method,
    Param,
    Procedure,
    System,
)

CALC = Procedure("Calc", [
    Method("add", "int", [Param("a", "in", "int"), Param("b", "in", "int")]),
    Method("swap", None, [Param("x", "inout", "int"), Param("y", "out", "uint64_t")]),
    Method("echo", "string", [Param("s", "in", "string"), Param("t", "out", "string")]),
    Method("sum", "long", [Param("v", "in", "int", array=True),
                           Param("w", "out", "char", array=True)]),
])


def rpc_system() -> System:
    client = ComponentType("Client", control=True, interfaces={
        "c": Interface("c", "uses", "Calc"),
        "e": Interface("e", "emits", "Ev"),
        "d": Interface("d", "dataport", "Buf", dataport=DataportType("Buf", 4096)),
    }, attributes={"greeting": AttributeDecl("greeting", "string", "hi"),
                   "n": AttributeDecl("n", "int", 3)})
    server = ComponentType("Server", interfaces={
        "c": Interface("c", "provides", "Calc"),
        "e": Interface("e", "consumes", "Ev"),
        "d": Interface("d", "dataport", "Buf", dataport=DataportType("Buf", 4096)),
    }, mutexes=["m"], semaphores=["s"])
    return System(
        "x.adl", procedures={"Calc": CALC},
        component_types={"Client": client, "Server": server},
        instances={"client": Instance("client", "Client", {"n": 7}),
                   "server": Instance("server", "Server")},
        connections={
            "conn": Connection("conn", "seL4RPCCall", [End("client", "c")], [End("server", "c")]),
            "ev": Connection("ev", "seL4Notification", [End("client", "e")], [End("server", "e")]),
            "dp": Connection("dp", "seL4SharedData", [End("client", "d")], [End("server", "d")]),
        })


@pytest.fixture(scope="module")
def generated():
    system = rpc_system()
    board, _ = platform.load("qemu-arm-virt")
    plan, diags = layout.plan(system, board)
    assert diags == []
    return plan, {n: codegen.generate(system, plan, n) for n in plan.instances}


def test_header_declares_camkes_api(generated):
    _, files = generated
    client = files["client"]["camkes_component.h"]
    assert "int c_add(int a, int b);" in client
    assert "void c_swap(int *x, uint64_t *y);" in client
    assert "char * c_echo(const char *s, char **t);" in client
    assert "long c_sum(size_t v_sz, const int *v, size_t *w_sz, char **w);" in client
    assert "void e_emit(void);" in client
    assert "extern volatile void *d;" in client
    assert "extern const char *const greeting;" in client
    server = files["server"]["camkes_component.h"]
    assert "seL4_Word c_get_sender_id(void);" in server
    assert "void e_wait(void);" in server and "int e_poll(void);" in server
    assert "int e_reg_callback(void (*callback)(void *), void *arg);" in server
    assert "int m_lock(void);" in server and "int s_post(void);" in server


def test_glue_uses_the_planned_slots(generated):
    plan, files = generated
    client_slot = plan.instances["client"].slot("c", "ep")
    server_slot = plan.instances["server"].slot("c", "ep")
    assert f"seL4_Call({client_slot}, _info)" in files["client"]["glue.c"]
    assert f"seL4_ReplyRecv({server_slot}," in files["server"]["glue.c"]
    assert 'const int n = 7;' in files["client"]["glue.c"]
    assert 'const char *const greeting = "hi";' in files["client"]["glue.c"]


def test_getpid_numbers_instances_from_2_in_declaration_order(generated):
    _, files = generated
    assert "const int camkes_pid = 2;" in files["client"]["glue.c"]
    assert "const int camkes_pid = 3;" in files["server"]["glue.c"]


def test_generation_is_deterministic():
    board, _ = platform.load("qemu-arm-virt")
    texts = []
    for _ in range(2):
        system = rpc_system()
        plan, _ = layout.plan(system, board)
        texts.append({n: codegen.generate(system, plan, n) for n in plan.instances})
    assert texts[0] == texts[1]


def test_c_string_escapes():
    assert codegen.c_string('a"b\\c\n') == '"a\\"b\\\\c\\n"'


@pytest.mark.skipif(shutil.which("aarch64-linux-gnu-gcc") is None, reason="no cross compiler")
def test_glue_compiles_warning_free(generated, tmp_path):
    _, files = generated
    for name, texts in files.items():
        d = tmp_path / name
        d.mkdir()
        for fname, text in texts.items():
            (d / fname).write_text(text)
        cmd = ["aarch64-linux-gnu-gcc", "--specs=picolibc.specs", "-std=c11", "-O2", "-Wall",
               "-Wextra", "-Werror", f"-I{RUNTIME_INCLUDE}", f"-I{d}", "-c", str(d / "glue.c"),
               "-o", str(d / "glue.o")]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def passive_glue(control: bool = True, strip: bool = False) -> tuple[str, dict]:
    system = rpc_system()
    system.component_types["Server"].control = control
    system.instances["server"].attributes["c_passive"] = True
    board, _ = platform.load("qemu-arm-virt")
    plan, _ = layout.plan(system, board)
    server = plan.instances["server"]
    if strip:  # a layout that gives no hand-off: the thread keeps its own context
        server.caps = [c for c in server.caps if c.role not in ("sc", "passive")]
    thread = next(t.index for t in server.threads if t.interface == "c")
    return codegen.generate(system, plan, "server")["glue.c"], {
        "sc": server.slot("c", "sc"), "handoff": server.slot(None, "passive"),
        "ep": server.slot("c", "ep"), "thread": thread}


# Without a control thread, the layout adds an init thread (thread 0 cannot be passive).
@pytest.mark.parametrize("control", [True, False])
def test_a_passive_thread_is_handed_off_after_init(control):
    glue, n = passive_glue(control)
    assert n["thread"] == 1 and n["sc"] and n["handoff"]
    assert (f"_info = camkes_passive_start({n['handoff']}, 1, {n['ep']}, "
            "&c__badge);") in glue
    assert f"    {{.thread = 1, .context = {n['sc']}}},\n" in glue
    assert "const unsigned int camkes_passive_count = 1;" in glue
    assert f"const seL4_CPtr camkes_passive_handoff = {n['handoff']};" in glue


def test_a_passive_thread_keeps_its_context_without_the_hand_off():
    glue, n = passive_glue(strip=True)
    assert f"_info = seL4_Recv({n['ep']}, &c__badge);" in glue
    assert "camkes_passive_start" not in glue
    assert "const unsigned int camkes_passive_count = 0;" in glue


@pytest.mark.skipif(shutil.which("aarch64-linux-gnu-gcc") is None, reason="no cross compiler")
def test_passive_glue_compiles_warning_free(tmp_path):
    system = rpc_system()
    glue, _ = passive_glue()
    (tmp_path / "glue.c").write_text(glue)
    board, _ = platform.load("qemu-arm-virt")
    plan, _ = layout.plan(system, board)
    (tmp_path / "camkes_component.h").write_text(
        codegen.generate(system, plan, "server")["camkes_component.h"])
    cmd = ["aarch64-linux-gnu-gcc", "--specs=picolibc.specs", "-std=c11", "-O2", "-Wall",
           "-Wextra", "-Werror", f"-I{RUNTIME_INCLUDE}", f"-I{tmp_path}", "-c",
           str(tmp_path / "glue.c"), "-o", str(tmp_path / "glue.o")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_c_string_keeps_trigraphs_as_written(tmp_path):
    """`??!` in a string attribute must reach the program as written, in C11 (where
    trigraphs are on) as in gnu11."""
    import shutil
    import subprocess

    import pytest
    if shutil.which("gcc") is None:
        pytest.skip("needs a host C compiler")
    text = "what??! really??( ??/ ?"
    src = tmp_path / "t.c"
    src.write_text('#include <stdio.h>\nint main(void) { fputs(' + codegen.c_string(text)
                   + ', stdout); return 0; }\n')
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Werror", "-Wno-trigraphs", str(src), "-o",
                    str(tmp_path / "t")], check=True)
    assert subprocess.run([str(tmp_path / "t")], capture_output=True,
                          text=True).stdout == text
