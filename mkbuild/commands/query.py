"""`mkbuild query SYSTEM "QUESTION"`: answer an authority question (see mkbuild.query).

Exit 0 when the answer is yes, 1 when it is no (as grep: scripts can test it), 2 for a
question that cannot be asked, 1 when the system has errors."""

from __future__ import annotations

import argparse
import sys

from mkbuild import authority, query
from mkbuild.commands.graph import load
from mkbuild.commands.loading import add_system_arguments
from model.diagnostics import render_all, to_json


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "query", help="answer an authority question: yes/no and the shortest path",
        epilog="Exit status: 0 yes, 1 no (or errors in the system), 2 a question that "
               "cannot be asked.",
        description="Questions: " + "; ".join(
            f"{q} A {'X.d' if 'dataport' in args else 'B'}" for q, args in
            query.QUESTIONS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_system_arguments(p, json_help="answer and diagnostics as JSON")
    p.add_argument("question", help='e.g. "flow net keystore"')
    p.set_defaults(func=run)


def run(args) -> int:
    system, code = load(args)
    if system is None:
        return code
    answer, problems = query.ask(authority.build(system), args.question)
    if problems:
        print(to_json(problems) if args.json else render_all(problems), file=sys.stderr)
        return 2
    print(query.answer_json(args.question, answer) if args.json else "\n".join(answer.lines()))
    return 0 if answer.yes else 1
