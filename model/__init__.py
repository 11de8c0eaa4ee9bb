"""The resolved system and the diagnostics about it: the layer every front end
(`dsl`, the ADL reader) produces and the back end (`mkbuild`) consumes.

It imports neither: `system` holds the data types (System, Instance, Connection,
Span...), `diagnostics` the errors and warnings any stage reports and how they
print.
"""
