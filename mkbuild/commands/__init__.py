"""One module per `mkbuild` sub-command; each has `add_parser(subparsers)`."""
