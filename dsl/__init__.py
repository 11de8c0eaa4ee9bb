"""The ADL language: grammar, parser, diagnostics and name resolution."""
