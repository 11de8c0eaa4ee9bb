"""Time per thread: the scheduling context (MCS) each thread runs on, from CAmkES settings.

A thread is what `mkbuild.authority.threads_of` says it is: an instance's control
thread (`interface` None) or the thread serving one of its interfaces. Each one
either has its own scheduling context of `budget` µs per `period` µs, or is
*passive* (`<iface>_passive = true`): it has none and runs only on the time a
caller donates with a Call.

Settings, as CAmkES reads them (camkes-tool's `set_sc_properties`): the control
thread's `_period`, `_budget`, `_data`, `_size_bits`; an interface thread's
`<iface>_period`, `<iface>_budget`, ...; when a thread's own setting is absent,
the instance-wide `period`, `budget`, `data`, `size_bits`; when that is absent too,
CAmkES's defaults: 10,000 µs of every 10,000 µs (a full budget: round robin among
equal priorities, today's behaviour), data 0, 8 size bits.

The API other stages use:

    thread_params(instance, interface) -> SchedParams   # never fails
    check(system) -> list[Diagnostic]                    # the settings' errors

`thread_params` reads values as given; `check` (run by `mkbuild check` and before
any layout) rejects the ones no kernel could honour, so a stage after the checks
may take every SchedParams as valid: SC_MIN_BUDGET_US <= budget <= period <=
SC_MAX_PERIOD_US, or passive with SC_MIN_BUDGET_US <= period <= SC_MAX_PERIOD_US
(the kernel's own limits, mkbuild.bootspec).
"""

from __future__ import annotations

from dataclasses import dataclass

from mkbuild.bootspec import SC_MAX_PERIOD_US, SC_MIN_BUDGET_US
from model.diagnostics import Diagnostic, error
from model.system import Instance, Span, System, as_int

DEFAULT_PERIOD_US = 10_000
DEFAULT_BUDGET_US = 10_000
DEFAULT_DATA = 0
DEFAULT_SIZE_BITS = 8
# A scheduling context's object size, log2 bytes: its header and at least two refills
# fit in 2^8; 2^16 bytes hold thousands of refills, more than any budget needs.
MIN_SIZE_BITS, MAX_SIZE_BITS = 8, 16
MAX_DATA = 2**64 - 1  # a machine word

DEFAULTS = {"period": DEFAULT_PERIOD_US, "budget": DEFAULT_BUDGET_US, "data": DEFAULT_DATA,
            "size_bits": DEFAULT_SIZE_BITS}


@dataclass(frozen=True)
class SchedParams:
    """One thread's scheduling context; budget 0 and `passive` for a thread without one."""

    budget: int  # µs of CPU time per period at most
    period: int  # µs
    data: int  # the word a timeout fault carries (CAmkES `_data`, seL4's SC badge)
    size_bits: int  # log2 of the object's size in bytes: bounds its number of refills
    passive: bool = False

    @property
    def utilisation(self) -> float:
        """The share of one core this context may use: budget / period."""
        return 0.0 if self.passive else self.budget / self.period

    @property
    def round_robin(self) -> bool:
        """A full budget: a time slice, the thread is never held back for its period."""
        return not self.passive and self.budget == self.period


def setting_keys(interface: str | None, field: str) -> tuple[str, str]:
    """The thread's own setting for `field` and the instance-wide fallback."""
    return (f"{interface}_{field}" if interface else f"_{field}", field)


def source_of(instance: Instance, interface: str | None, field: str) -> str | None:
    """Which setting gives the thread's `field` (e.g. "_budget"), or None for the default."""
    for key in setting_keys(interface, field):
        if as_int(instance.attributes.get(key)) is not None:
            return key
    return None


def _value(instance: Instance, interface: str | None, field: str) -> int:
    key = source_of(instance, interface, field)
    return as_int(instance.attributes[key]) if key else DEFAULTS[field]


def is_passive(instance: Instance, interface: str | None) -> bool:
    """`<iface>_passive = true`. The control thread is never passive (check says so)."""
    return interface is not None and as_int(instance.attributes.get(f"{interface}_passive")) == 1


def thread_params(instance: Instance, interface: str | None) -> SchedParams:
    """The scheduling context of `instance`'s control thread (interface None) or of the
    thread serving `interface`."""
    data, bits = _value(instance, interface, "data"), _value(instance, interface, "size_bits")
    if is_passive(instance, interface):
        return SchedParams(0, _value(instance, interface, "period"), data, bits, passive=True)
    return SchedParams(_value(instance, interface, "budget"),
                       _value(instance, interface, "period"), data, bits)


def setting_span(instance: Instance, key: str | None) -> Span:
    """Where a setting was written; the instance's declaration for a default."""
    return instance.spans.get(key, instance.span) if key else instance.span


def describe_source(instance: Instance, key: str | None) -> str:
    return f"`{instance.name}.{key}`" if key else "CAmkES's default"


def check(system: System) -> list[Diagnostic]:
    """Every scheduling setting no kernel could honour, at the setting that says it."""
    from mkbuild.authority import is_hardware, threads_of

    out: list[Diagnostic] = []
    for name, inst in system.instances.items():
        if is_hardware(system, name):
            continue
        ctype = system.component_of(name)
        out += _check_passive_settings(inst, ctype.interfaces)
        out += _check_values(inst, ctype.interfaces)
        interfaces = [t.interface for t in threads_of(system, name)]
        if not interfaces:
            interfaces = [None]  # the layout gives it a thread for its init hooks
        for interface in interfaces:
            out += _check_thread(inst, interface)
    return out


def _thread_text(instance: Instance, interface: str | None) -> str:
    return f"`{instance.name}.{interface or 'control'}`"


def _check_values(inst: Instance, interfaces) -> list[Diagnostic]:
    """Values wrong whichever thread reads them, each setting once (several threads may
    share an instance-wide one)."""
    out = []
    owners = [None, *interfaces]
    for key in dict.fromkeys(k for o in owners for f in DEFAULTS for k in setting_keys(o, f)):
        value = as_int(inst.attributes.get(key))
        if value is None:
            continue
        if value == 0 and key.endswith("period"):
            out.append(error(f"`{inst.name}.{key}`: a period of 0 µs; a period must be at "
                             "least 1 µs", setting_span(inst, key)))
        elif value == 0 and key.endswith("budget"):
            out.append(error(
                f"`{inst.name}.{key}`: a budget of 0 µs: a thread with it would never run; "
                f"give it a budget, or make the thread passive (`{inst.name}.<interface>"
                "_passive = true`) if it serves calls on its clients' time",
                setting_span(inst, key)))
        elif key.endswith("budget") and value < SC_MIN_BUDGET_US:
            out.append(error(
                f"`{inst.name}.{key}`: a budget of {value} µs is below the kernel's minimum of "
                f"{SC_MIN_BUDGET_US} µs (the time to enter and leave the kernel); give it at "
                f"least {SC_MIN_BUDGET_US} µs", setting_span(inst, key)))
        elif key.endswith("period") and value < SC_MIN_BUDGET_US:
            out.append(error(
                f"`{inst.name}.{key}`: a period of {value} µs is below the kernel's minimum of "
                f"{SC_MIN_BUDGET_US} µs (a period holds at least the minimum budget)",
                setting_span(inst, key)))
        elif key.endswith("period") and value > SC_MAX_PERIOD_US:
            out.append(error(
                f"`{inst.name}.{key}`: a period of {value} µs is above the kernel's maximum of "
                f"{SC_MAX_PERIOD_US} µs (about 71 minutes)", setting_span(inst, key)))
        elif key.endswith("size_bits") and not MIN_SIZE_BITS <= value <= MAX_SIZE_BITS:
            out.append(error(f"`{inst.name}.{key}`: scheduling-context size bits {value} are "
                             f"out of range {MIN_SIZE_BITS}..{MAX_SIZE_BITS}",
                             setting_span(inst, key)))
        elif key.endswith("data") and value > MAX_DATA:
            out.append(error(f"`{inst.name}.{key}`: the data word {value:#x} does not fit in "
                             "64 bits", setting_span(inst, key)))
    return out


def _check_passive_settings(inst: Instance, interfaces) -> list[Diagnostic]:
    out = []
    if as_int(inst.attributes.get("_passive")) == 1:
        out.append(error(f"`{inst.name}._passive`: the control thread cannot be passive: "
                         "nobody calls it, so it would never run", setting_span(inst, "_passive")))
    for iface in interfaces.values():
        key = f"{iface.name}_passive"
        if as_int(inst.attributes.get(key)) == 1 and iface.kind != "provides":
            out.append(error(
                f"`{inst.name}.{key}`: only the thread of a provided (RPC) interface can be "
                f"passive: it runs on the time of the client that calls it, and `{iface.name}` "
                f"is a `{iface.kind}` interface", setting_span(inst, key)))
    return out


def _check_thread(inst: Instance, interface: str | None) -> list[Diagnostic]:
    out = []
    who = _thread_text(inst, interface)
    if is_passive(inst, interface):
        return out  # no scheduling context: its budget and period are never used
    period_key = source_of(inst, interface, "period")
    budget_key = source_of(inst, interface, "budget")
    period, budget = _value(inst, interface, "period"), _value(inst, interface, "budget")
    if not (SC_MIN_BUDGET_US <= budget and SC_MIN_BUDGET_US <= period <= SC_MAX_PERIOD_US):
        return out  # said at the setting (_check_values)
    if budget > period:
        d = error(f"thread {who} has a budget of {budget} µs "
                  f"({describe_source(inst, budget_key)}), more than its period of {period} µs "
                  f"({describe_source(inst, period_key)})",
                  setting_span(inst, budget_key or period_key))
        if budget_key and period_key:
            d.notes.append((setting_span(inst, period_key), "the period is set here"))
        out.append(d)
    return out
