"""ADL structs in the glue: typedefs (dependencies first, array members sized by the
values given) and struct-typed attributes as C globals."""

from pathlib import Path

import dsl
from mkbuild import codegen, layout, platform

FIXTURE = Path(__file__).resolve().parents[1] / "images" / "fixtures" / "structs" / "system.adl"
VIRT, _ = platform.load("qemu-arm-virt")


def glue():
    system, diags = dsl.load_system(str(FIXTURE))
    assert system is not None and not [d for d in diags if d.severity == "error"]
    plan, _ = layout.plan(system, VIRT)
    return system, codegen.generate(system, plan, "shapes")


def test_structs_are_carried_in_the_model():
    system, _ = glue()
    assert list(system.structs) == ["point", "rect", "label", "Shapes.range"]
    assert [(f.name, f.type, f.array) for f in system.structs["label"].fields] == [
        ("text", "string", False), ("codes", "int", True)]


def test_header_declares_typedefs_before_attributes():
    _, files = glue()
    h = files["camkes_component.h"]
    point = "typedef struct point {\n    int x;\n    int y;\n} point;"
    rect = "typedef struct rect {\n    point corner;\n    int w;\n    int h;\n} rect;"
    assert point in h and rect in h and h.index(point) < h.index(rect)
    assert "typedef struct label {\n    const char *text;\n    int codes[5];\n} label;" in h
    assert "typedef struct Shapes_range {\n    int lo;\n    int hi;\n} Shapes_range;" in h
    assert "extern const point path[2];" in h  # sizeof() works in user code
    assert "extern const Shapes_range range;" in h


def test_attribute_values_are_initialisers():
    _, files = glue()
    c = files["glue.c"]
    assert "const rect box = {.corner = {.x = 3, .y = 4}, .w = 6, .h = 7};" in c
    assert 'const label tag = {.text = "primes", .codes = {2, 3, 5, 7, 11}};' in c
    assert "const point path[2] = {{.x = 1, .y = 2}, {.x = 5, .y = 8}};" in c
