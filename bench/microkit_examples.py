"""Build Microkit's own examples with their own Makefiles against `mkbuild sdk`'s output,
boot them with the QEMU command lines of Microkit's manual, and print the results
table of docs/microkit.md.

    .venv/bin/python bench/microkit_examples.py MICROKIT_CHECKOUT [--config debug]

Each row: the example, the board, whether every line its code prints came out, and
the seconds for its make (compile, link, bin/microkit) and its boot to the last line.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mkbuild.microkit import examples, sdk  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("microkit", type=Path, help="a checkout of seL4/microkit")
    p.add_argument("--config", default="debug", choices=("debug", "release"))
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        start = time.monotonic()
        problems = sdk.write(out / "sdk")
        if problems:
            print("\n".join(problems), file=sys.stderr)
            return 1
        print(f"`mkbuild sdk`: {time.monotonic() - start:.1f} s (both boards, both configs)\n")
        print("| example | board | result | make | boot |")
        print("|---|---|---|---|---|")
        failed = 0
        for ex in examples.EXAMPLES:
            for board in ex.boards:
                t0 = time.monotonic()
                built, log, image = examples.build(args.microkit / "example" / ex.name,
                                                   out / f"{ex.name}-{board}", out / "sdk",
                                                   board, args.config)
                made = time.monotonic() - t0
                if not built:
                    failed += 1
                    print(f"| {ex.name} | {board} | build failed | {made:.2f} s | |")
                    continue
                run = examples.boot(board, image, ex.lines[-1])
                missing = examples.missing(ex, run.console)
                failed += bool(missing)
                result = "all lines" if not missing else f"missing: {'; '.join(missing)}"
                print(f"| {ex.name} | {board} | {result} | {made:.2f} s | {run.elapsed:.2f} s |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
