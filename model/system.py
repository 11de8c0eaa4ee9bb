"""The resolved system: the plain data every stage after the front end reads.

The front end (dsl/) turns source text into a `System`; authority, layout and
codegen read it and never see the syntax tree. Hierarchical components are
flattened: an instance `inner` inside an instance `outer` appears here as
`outer.inner`, and connections through `export`ed interfaces are rewritten to
name the inner instance's interface directly.

Everything is a frozen-ish dataclass of plain values, so a stage can be tested
by building a System by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, order=True)
class Span:
    """Where something was written: 1-based line and column."""

    file: str
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NOWHERE = Span("<builtin>", 0, 0)


# ---- types: procedures, events, dataports ---------------------------------

@dataclass
class Param:
    name: str
    direction: str  # "in" | "out" | "inout" | "refin"
    type: str  # C type name as written ("int", "string", "my_struct_t", ...)
    array: bool = False  # CAmkES `T name[]` / sequence
    span: Span = NOWHERE


@dataclass
class Method:
    name: str
    return_type: str | None  # None for void
    params: list[Param]
    span: Span = NOWHERE


@dataclass
class Procedure:
    name: str
    methods: list[Method]
    includes: list[str] = field(default_factory=list)  # C headers named by `include`
    attributes: list[str] = field(default_factory=list)
    span: Span = NOWHERE


@dataclass
class DataportType:
    """`Buf`, `Buf(size)` or a C struct type used as a dataport type."""

    name: str  # "Buf" or the C type name
    size: int  # bytes, rounded up to whole pages by the layout, not here
    span: Span = NOWHERE


@dataclass
class StructField:
    name: str
    type: str  # C type as written, `string`, or the name of another StructDef
    array: bool = False  # `T name[]`: its length comes from the values given
    span: Span = NOWHERE


@dataclass
class StructDef:
    """`struct name { type field; ... };` written in ADL (attribute and procedure types).

    An inline struct attribute type (`attribute {int a;} x;`) is named
    `<Component>.<attribute>` here (not a C name: codegen derives one)."""

    name: str
    fields: list[StructField] = field(default_factory=list)
    span: Span = NOWHERE


# ---- components -------------------------------------------------------------

INTERFACE_KINDS = ("provides", "uses", "emits", "consumes", "dataport")


@dataclass
class Interface:
    name: str
    kind: str  # one of INTERFACE_KINDS
    type: str  # procedure name, event type name, or dataport type name
    optional: bool = False  # `maybe`
    dataport: DataportType | None = None  # set when kind == "dataport"
    span: Span = NOWHERE


@dataclass
class AttributeDecl:
    name: str
    type: str  # "int", "string", "uint64_t", a struct name, ...
    default: Any = None  # None when no default was given
    array: bool = False
    span: Span = NOWHERE


@dataclass
class ComponentType:
    name: str
    control: bool = False
    hardware: bool = False
    interfaces: dict[str, Interface] = field(default_factory=dict)
    attributes: dict[str, AttributeDecl] = field(default_factory=dict)
    mutexes: list[str] = field(default_factory=list)
    semaphores: list[str] = field(default_factory=list)
    binary_semaphores: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # C files named in the ADL, if any
    includes: list[str] = field(default_factory=list)  # C include dirs named in the ADL
    composite: bool = False  # had its own composition (flattened away)
    # Interfaces a composite component re-exports from an inner instance:
    # outer interface name -> "inner_instance.interface" (relative to the instance).
    # Connections were already rewritten to the inner end; no glue for these.
    exports: dict[str, str] = field(default_factory=dict)
    span: Span = NOWHERE


# ---- connectors ---------------------------------------------------------------

@dataclass
class ConnectorType:
    """A connector definition: what ends it joins and how many of each."""

    name: str
    from_kind: str  # "Procedure" | "Event" | "Dataport" (plural forms accepted on input)
    to_kind: str
    from_multiple: bool = False  # several `from` ends allowed
    to_multiple: bool = False
    from_hardware: bool = False  # end is a hardware component
    to_hardware: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)
    builtin: bool = False
    span: Span = NOWHERE
    # A connector whose glue comes from the user's CAmkES templates
    # (`DeclareCAmkESConnector(Name FROM f.c TO t.c)`): "from"/"to" -> template file.
    templates: dict[str, str] = field(default_factory=dict)


# ---- the assembled system ----------------------------------------------------

@dataclass
class Instance:
    name: str  # flattened, dotted for nested instances
    type: str  # ComponentType name
    attributes: dict[str, Any] = field(default_factory=dict)  # final values, settings included
    group: str | None = None  # instances in one group share an address space
    span: Span = NOWHERE
    # Where each attribute in `attributes` was set (absent for defaults), for
    # diagnostics of later stages about a setting's value.
    spans: dict[str, Span] = field(default_factory=dict)


@dataclass
class End:
    instance: str
    interface: str
    span: Span = NOWHERE


@dataclass(frozen=True)
class TemplateAlloc:
    """A kernel object a connector template asks for with `alloc(name, type, ...)`:
    one object per connection and name, a capability to it for each end whose
    template allocates it."""

    side: str  # "from" | "to"
    name: str  # as the template names it: the object is `<connection>.<name>`
    kind: str  # "endpoint" | "notification"
    rights: frozenset[str]  # of mkbuild.authority's READ, WRITE, GRANT, GRANT_REPLY
    badge: int | None = None
    span: Span = NOWHERE  # the template line that allocates it


@dataclass
class Connection:
    name: str
    connector: str
    from_ends: list[End]
    to_ends: list[End]
    attributes: dict[str, Any] = field(default_factory=dict)
    span: Span = NOWHERE
    # What the connector's templates allocate (empty for built-in connectors).
    allocations: list[TemplateAlloc] = field(default_factory=list)


def as_int(value: Any) -> int | None:
    """A configuration value read as an integer (`4096`, `"0x1000"`, `true`), or None."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 0)
        except ValueError:
            return None
    return None


@dataclass
class Dtb:
    """A `dtb({...})` configuration value."""

    query: dict[str, Any]
    # Indexes applied to the query's result, e.g. `dtb({...})["reg"][0]` -> ["reg", 0];
    # resolved against the platform's device tree by the stage that has it.
    lookup: list[Any] = field(default_factory=list)


@dataclass
class PolicyStatement:
    """One statement of a `policy { ... }` block (the mkbuild extension), as written.

    The front end only splits the block into `;`-terminated statements of tokens;
    mkbuild.policy gives them meaning, so the syntax can grow without touching
    the grammar. Token kinds: "name" (identifiers, dotted names such as
    `server.d`), "number", "string", "op" (`->`, `<`, `>`, `<=`, `>=`, `==`, `!=`,
    `,`, `(`, `)`).
    """

    tokens: list[tuple[str, str, Span]]  # (kind, text, where)
    span: Span = NOWHERE


@dataclass
class System:
    file: str
    procedures: dict[str, Procedure] = field(default_factory=dict)
    component_types: dict[str, ComponentType] = field(default_factory=dict)
    connector_types: dict[str, ConnectorType] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    connections: dict[str, Connection] = field(default_factory=dict)
    # Settings that name neither an instance nor a connection (rare, kept verbatim).
    settings: dict[str, Any] = field(default_factory=dict)
    # Policy assertions (the mkbuild extension), in source order.
    policies: list[PolicyStatement] = field(default_factory=list)
    # Files read to make this system, for build dependency tracking.
    sources: list[str] = field(default_factory=list)
    # C structs declared in ADL, in declaration order (dependencies first as written).
    structs: dict[str, StructDef] = field(default_factory=dict)
    # connection_of's index: (instance, interface) -> connection name, and what it was
    # built from (not a field a copy carries: dataclasses.replace starts a new one).
    _end_index: tuple[tuple[int, int], dict[tuple[str, str], str]] | None = field(
        default=None, init=False, repr=False, compare=False)

    def component_of(self, instance: str) -> ComponentType:
        return self.component_types[self.instances[instance].type]

    def interface_of(self, end: End) -> Interface:
        return self.component_of(end.instance).interfaces[end.interface]

    def connection_of(self, instance: str, interface: str) -> Connection | None:
        """The connection the end `instance.interface` takes part in, if any. Stages
        look this up for every interface, so it is indexed once. The index is made
        again when the number of connections changes; stages never change a
        System's connections in place (they make a new System), and code that does
        must not swap one connection for another between two lookups."""
        key = (id(self.connections), len(self.connections))
        if self._end_index is None or self._end_index[0] != key:
            self._end_index = (key, {(e.instance, e.interface): c.name
                                     for c in self.connections.values()
                                     for e in (*c.from_ends, *c.to_ends)})
        name = self._end_index[1].get((instance, interface))
        return self.connections.get(name) if name is not None else None
