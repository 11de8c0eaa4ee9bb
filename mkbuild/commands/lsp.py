"""`mkbuild lsp`: the language server for editors, over stdin/stdout (mkbuild/lsp/)."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("lsp", help="run the language server (stdio) for editors",
                              description="Speak the Language Server Protocol on stdin/stdout: "
                                          "diagnostics, definitions, hovers, completion and "
                                          "rename for .adl/.camkes systems.")
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        from mkbuild.lsp.server import main
    except ImportError as exc:  # pygls missing: say so, no traceback
        import sys
        print(f"mkbuild lsp: error: {exc}; install the package's dependencies "
              "(bash scripts/setup.sh)", file=sys.stderr)
        return 1
    return main()
