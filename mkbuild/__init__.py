"""mkbuild: from a CAmkES-style system description to a booted image."""

__version__ = "0.1.0"
