"""The syntax tree of one ADL file, as written (before names are resolved).

Every node keeps the Span of the name a diagnostic about it should point at.
Configuration values are already evaluated to plain Python values here
(expressions have no free names in CAmkES); a value that could not be
evaluated is a `BadValue` carrying its own diagnostic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from model.system import NOWHERE, Span


@dataclass
class Name:
    """A possibly dotted name (`client.a`) and where it was written."""

    parts: list[str]
    span: Span = NOWHERE

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass
class BadValue:
    """A configuration value that failed to evaluate (reported when it is used)."""

    message: str
    span: Span = NOWHERE


@dataclass
class StructType:
    """An inline or named C struct type of attributes: field name -> declaration."""

    fields: list[AttrDecl]
    span: Span = NOWHERE


@dataclass
class AttrDecl:
    type: str | StructType  # type as written, or an inline struct body
    name: str
    array: bool = False
    default: Any = None
    has_default: bool = False
    span: Span = NOWHERE


@dataclass
class Import:
    path: str
    angle: bool  # `<...>`: search the include path only
    span: Span = NOWHERE


@dataclass
class ParamDecl:
    name: str
    direction: str
    type: str
    array: bool
    span: Span = NOWHERE


@dataclass
class MethodDecl:
    name: str
    return_type: str | None
    params: list[ParamDecl]
    span: Span = NOWHERE


@dataclass
class ProcedureDecl:
    name: str
    methods: list[MethodDecl]
    includes: list[str]
    attributes: list[AttrDecl]
    span: Span = NOWHERE


@dataclass
class StructDecl:
    name: str
    body: StructType
    span: Span = NOWHERE


@dataclass
class InterfaceDecl:
    kind: str  # provides | uses | emits | consumes | dataport
    type: Name
    name: str
    optional: bool
    dataport_size: Any = None  # evaluated `Buf(size)` argument, if any
    span: Span = NOWHERE


@dataclass
class InstanceDecl:
    type: Name | ComponentDecl  # a named type or an inline component body
    name: str
    group: str | None = None
    span: Span = NOWHERE


@dataclass
class ConnEnd:
    side: str  # "from" | "to"
    target: Name
    span: Span = NOWHERE


@dataclass
class ConnectionDecl:
    connector: Name
    name: str
    ends: list[ConnEnd]
    span: Span = NOWHERE


@dataclass
class ExportDecl:
    inner: Name  # instance.interface inside the composition
    outer: Name  # the enclosing component's interface
    span: Span = NOWHERE


@dataclass
class Setting:
    target: Name  # instance.attribute (or connection.attribute)
    value: Any = None
    alias: Name | None = None  # `target <- alias`
    lookup: list[Any] = field(default_factory=list)  # `<- a.b["key"][0]`
    span: Span = NOWHERE


@dataclass
class CompositionDecl:
    instances: list[InstanceDecl] = field(default_factory=list)
    connections: list[ConnectionDecl] = field(default_factory=list)
    exports: list[ExportDecl] = field(default_factory=list)
    groups: list[tuple[str, Span]] = field(default_factory=list)
    span: Span = NOWHERE


@dataclass
class ConfigurationDecl:
    settings: list[Setting] = field(default_factory=list)
    span: Span = NOWHERE


@dataclass
class ComponentDecl:
    name: str
    control: bool = False
    hardware: bool = False
    interfaces: list[InterfaceDecl] = field(default_factory=list)
    attributes: list[AttrDecl] = field(default_factory=list)
    mutexes: list[tuple[str, Span]] = field(default_factory=list)
    semaphores: list[tuple[str, Span]] = field(default_factory=list)
    binary_semaphores: list[tuple[str, Span]] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    composition: CompositionDecl | None = None
    configuration: ConfigurationDecl | None = None
    span: Span = NOWHERE


@dataclass
class ConnectorEndDecl:
    side: str
    kind: str  # as written: Procedure(s) | Event(s) | Dataport(s)
    hardware: bool
    threads: Any = None
    span: Span = NOWHERE


@dataclass
class ConnectorDecl:
    name: str
    ends: list[ConnectorEndDecl]
    attributes: list[AttrDecl]
    span: Span = NOWHERE


@dataclass
class PolicyDecl:
    statements: list[list[tuple[str, str, Span]]]
    spans: list[Span]
    span: Span = NOWHERE


@dataclass
class AssemblyDecl:
    compositions: list[CompositionDecl] = field(default_factory=list)
    configurations: list[ConfigurationDecl] = field(default_factory=list)
    policies: list[PolicyDecl] = field(default_factory=list)
    span: Span = NOWHERE
    name: str | None = None  # `assembly NAME { ... }`; several merge, two names may not clash


Decl = (
    Import
    | ProcedureDecl
    | StructDecl
    | ComponentDecl
    | ConnectorDecl
    | AssemblyDecl
    | CompositionDecl
    | ConfigurationDecl
    | PolicyDecl
)


@dataclass
class ParsedFile:
    path: str
    decls: list[Any]
    # Names of top-level declarations that failed to parse, so later stages
    # do not report them again as unknown.
    broken_names: set[str] = field(default_factory=set)
    syntax_errors: bool = False
