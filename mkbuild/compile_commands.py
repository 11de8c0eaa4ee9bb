"""compile_commands.json beside build.ninja: every C compile of the build (glue,
component sources, connector templates' code) with its flags, so clangd and
editors understand component sources (`#include <camkes.h>`, the generated
headers of each instance). ninja writes it (`-t compdb`) from the build it runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from mkbuild.build import ninja_binary, write_if_changed
from mkbuild.build_diagnostics import GCC_FLAGS

FILE_NAME = "compile_commands.json"


def write(out_dir: Path) -> None:
    """(Re)write out_dir/compile_commands.json; nothing when ninja cannot say."""
    proc = subprocess.run([ninja_binary(), "-C", str(out_dir), "-t", "compdb", "cc"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return
    try:
        entries = json.loads(proc.stdout[proc.stdout.find("["):])
    except ValueError:
        return
    for e in entries:  # flags only for mkbuild's own reading of gcc's output
        for flag in GCC_FLAGS:
            e["command"] = e["command"].replace(f" {flag}", "")
    write_if_changed(out_dir / FILE_NAME, json.dumps(entries, indent=1) + "\n")
