"""One tool with one set of options: what `mkbuild` prints and its exit status for
the options every command shares, `platforms`, `clean`, expectations beside a
system, distinct build directories, faults failing a run, queries' statuses."""

import shutil

import pytest
from cli_runner import REPO, mkbuild, needs_qemu_and_cross_compiler

IMAGES = REPO / "images"
HELLO = IMAGES / "hello" / "system.adl"

pytestmark = needs_qemu_and_cross_compiler


def test_help_points_to_the_exit_codes(tmp_path):
    top = mkbuild("--help", cwd=tmp_path)
    assert "Exit statuses of every command: docs/exit-codes.md." in " ".join(top.stdout.split())
    assert (REPO / "docs" / "exit-codes.md").is_file()


@pytest.mark.parametrize("command, required", [
    ("check", []), ("dump", []), ("graph", ["-o", "x.svg"]), ("query", ["flow a b"]),
    ("compile", []), ("run", []), ("test", [])])
def test_an_unknown_option_prints_the_subcommands_usage(tmp_path, command, required):
    r = mkbuild(command, str(HELLO), *required, "--bogus", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith(f"usage: mkbuild {command} ")
    assert r.stderr.rstrip().endswith(f"mkbuild {command}: error: unrecognized arguments: --bogus")


@pytest.mark.parametrize("command", ["check", "dump", "graph", "query", "compile", "run", "test"])
def test_every_loading_command_takes_the_same_options(tmp_path, command):
    usage = mkbuild(command, "--help", cwd=tmp_path).stdout
    for option in ("-I DIR", "-D NAME[=VALUE]", "--global-components DIR", "--json"):
        assert option in usage, (command, option)
    if command in ("compile", "run", "test"):
        assert "--platform BOARD" in usage and "qemu-arm-virt, zcu102" in " ".join(usage.split())


def test_platforms_lists_the_boards(tmp_path):
    r = mkbuild("platforms", cwd=tmp_path)
    assert r.returncode == 0
    names = [line.split()[0] for line in r.stdout.splitlines()]
    assert names == ["qemu-arm-virt", "zcu102"]


def test_a_system_carries_its_own_expectations(tmp_path):
    r = mkbuild("test", str(HELLO), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == (f"mkbuild test: PASS {HELLO} on qemu-arm-virt: "
                                "all 1 expected outputs seen")


def test_same_named_systems_get_their_own_build_directories_and_clean(tmp_path):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        shutil.copy(HELLO, tmp_path / d / "mysys.adl")
        shutil.copytree(HELLO.parent / "components", tmp_path / d / "components")
    first = mkbuild("compile", "a/mysys.adl", cwd=tmp_path)
    second = mkbuild("compile", "b/mysys.adl", cwd=tmp_path)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    a_image = first.stdout.split()[0]
    b_image = second.stdout.split()[0]
    assert a_image == "build/mysys/qemu-arm-virt/image.elf"
    assert b_image.startswith("build/mysys-") and b_image != a_image
    # each stays up to date: neither rebuilt over the other
    assert "(up to date)" in mkbuild("compile", "a/mysys.adl", cwd=tmp_path).stdout
    assert "(up to date)" in mkbuild("compile", "b/mysys.adl", cwd=tmp_path).stdout
    clean = mkbuild("clean", "b/mysys.adl", cwd=tmp_path)
    assert clean.returncode == 0 and clean.stdout.startswith("removed build/mysys-")
    assert (tmp_path / a_image).is_file() and not (tmp_path / b_image).exists()
    assert mkbuild("clean", cwd=tmp_path).stdout == "removed build\n"
    assert mkbuild("clean", cwd=tmp_path).stdout == "nothing to remove\n"


def test_a_component_fault_fails_the_run_unless_allowed(tmp_path):
    fault = IMAGES / "fault" / "system.adl"
    failed = mkbuild("run", str(fault), cwd=tmp_path)
    assert failed.returncode == 1
    last = failed.stderr.strip().splitlines()[-1]
    assert last.startswith("mkbuild run: system finished: every control thread returned and "
                           "no thread can run; 1 thread(s) stopped by faults; failed: 1 "
                           "component fault(s) (--allow-faults accepts them), the first: "
                           "FAULT HANDLER: data fault from crasher.control")
    # the kernel's pc, placed by the program's DWARF line table
    assert ("mkbuild run: crasher.control faulted at "
            "images/fault/components/Crasher/src/crasher.c:8 in run()") in failed.stderr
    allowed = mkbuild("run", str(fault), "--allow-faults", cwd=tmp_path)
    assert allowed.returncode == 0
    assert allowed.stderr.strip().splitlines()[-1] == (
        "mkbuild run: system finished: every control thread returned and no thread can run; "
        "1 thread(s) stopped by faults")


def test_a_fault_fails_the_test_naming_its_source_line(tmp_path):
    fault = IMAGES / "fault" / "system.adl"
    r = mkbuild("test", str(fault), "--expect", "survivor: done", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.splitlines()[0].endswith(
        "(crasher.control faulted at images/fault/components/Crasher/src/crasher.c:8 in run())")


def test_a_fault_the_expectations_wait_for_is_expected(tmp_path):
    """seL4's testfaulthandlers waits for `FAULT HANDLER`: the fault is the test."""
    fault = IMAGES / "fault" / "system.adl"
    r = mkbuild("test", str(fault), "--expect", "FAULT HANDLER: data fault from crasher",
                cwd=tmp_path)
    assert r.returncode == 0
    assert r.stdout.splitlines()[-1].startswith("mkbuild test: PASS")


def test_verbose_prints_the_qemu_command_with_icount_and_extra_args(tmp_path):
    r = mkbuild("run", str(HELLO), "-v", "--icount", "--qemu-arg=-no-reboot", cwd=tmp_path)
    assert r.returncode == 0
    line = next(ln for ln in r.stderr.splitlines() if "qemu-system-aarch64" in ln)
    assert line.startswith("mkbuild run: qemu-system-aarch64 -machine virt ")
    assert line.endswith(" -kernel build/hello/qemu-arm-virt/image.elf "
                         "-icount shift=0,sleep=off -no-reboot")


def test_query_answers_with_its_exit_status(tmp_path):
    rpc = str(IMAGES / "rpc" / "system.adl")
    yes = mkbuild("query", rpc, "flow server client", cwd=tmp_path)
    assert yes.returncode == 0 and yes.stdout.startswith("yes\n")
    no = mkbuild("query", rpc, "can-send server client", cwd=tmp_path)
    assert no.returncode == 1 and no.stdout == "no\n"
    bad = mkbuild("query", rpc, "frobnicate a b", cwd=tmp_path)
    assert bad.returncode == 2


def test_several_systems_tested_in_parallel_with_a_summary(tmp_path):
    shutil.copytree(IMAGES / "hello", tmp_path / "hello")
    shutil.copytree(IMAGES / "fault", tmp_path / "fault")
    (tmp_path / "fault" / "system.expect").write_text("survivor: done\n")
    r = mkbuild("test", "hello/system.adl", "fault/system.adl", "-j", "2", cwd=tmp_path)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert sorted(ln.split(" (")[0] for ln in lines[:2]) == ["FAIL fault/system.adl",
                                                              "PASS hello/system.adl"]
    assert lines[2].split() == ["system", "result", "seconds", "why"]
    hello, fault = lines[4], lines[5]
    assert hello.split()[:2] == ["hello/system.adl", "PASS"]
    assert fault.split()[:2] == ["fault/system.adl", "FAIL"]
    assert fault.split(None, 3)[3].startswith(
        "all 1 expected outputs seen, but a component faulted (--allow-faults accepts it): "
        "FAULT HANDLER: data fault from crasher.control")
    assert lines[6].startswith("mkbuild test: 1 of 2 passed on qemu-arm-virt in ")
    assert lines[6].endswith(" s (-j 2)")
    one_dir = mkbuild("test", "hello/system.adl", "fault/system.adl", "--build-dir", "x",
                      cwd=tmp_path)
    assert one_dir.returncode == 2
