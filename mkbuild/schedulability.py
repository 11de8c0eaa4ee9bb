"""Schedulability at build time: utilisation per core and response-time bounds.

The model (docs/scheduling.md): every thread with its own scheduling context
(`mkbuild.scheduling`) is a sporadic task whose execution per period is bounded by
its budget C and whose deadline is its period T; the kernel schedules by fixed
priority, preemptively, FIFO among equals. A passive thread has no time of its own:
a client that Calls it donates its context, so the server's work is part of the
client's budget, run at the server's priority. Fixed-priority response-time
analysis then bounds each thread's response time R as the least fixed point of

    R = C + sum over interferers j of ceil(R / T_j) * C_j

where the interferers are the other threads whose time can run at or above the
lowest priority the thread's own time runs at: priorities of their own, or of a
passive server they call. A lower client that shares a passive server with the
thread is one of them (at the server's priority), which covers the request it
may have in progress when the thread calls. The bound is schedulable when R <= T.
Assumptions and what is not modelled: docs/scheduling.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from mkbuild import authority as A
from mkbuild import scheduling
from model.system import NOWHERE, Span, System

MAX_ITERATIONS = 10_000  # then the closed-form bound of the same equation is used


@dataclass(frozen=True)
class TimedThread:
    thread: A.Thread
    params: scheduling.SchedParams
    core: int = 0  # its affinity (a passive thread's time is its callers', on theirs)
    span: Span = NOWHERE  # where its budget (or passive setting) was written

    @property
    def id(self) -> str:
        return self.thread.id

    @property
    def priority(self) -> int:
        return self.thread.priority


@dataclass(frozen=True)
class Donation:
    """A Call from `caller` to the passive thread `server`: the caller's scheduling
    context runs the server until the reply gives it back."""

    caller: str  # thread id
    server: str  # thread id of a passive thread
    connection: str
    span: Span

    def hop(self) -> A.Hop:
        return A.Hop(self.caller, self.server, f"calls passive `{self.server}`, which runs on "
                     "the caller's scheduling context", self.connection, self.span)


@dataclass(frozen=True)
class Interference:
    """Thread `by` (own context) can delay the analysed thread: it runs at
    `priority`, on its own or inside the passive servers of `chain`."""

    by: TimedThread
    priority: int
    chain: tuple[Donation, ...] = ()


@dataclass
class Bound:
    thread: TimedThread
    response: int | None  # µs; None when no finite bound exists (interferers use >= 100 %)
    floor: int  # the lowest priority its time runs at (its own, or a passive server's)
    interference: list[Interference] = field(default_factory=list)

    @property
    def schedulable(self) -> bool:
        return self.response is not None and self.response <= self.thread.params.period


@dataclass
class Analysis:
    threads: dict[str, TimedThread]  # every thread, passive ones included
    donations: list[Donation]
    # For each thread with its own context: the passive threads its time reaches.
    chains: dict[str, dict[str, tuple[Donation, ...]]]
    bounds: dict[str, Bound]  # threads with their own context only

    def utilisation(self, core: int = 0) -> float:
        return sum(t.params.utilisation for t in self.threads.values() if t.core == core)

    @property
    def cores(self) -> list[int]:
        return sorted({t.core for t in self.threads.values()})

    def runs_on(self, server: str) -> dict[str, tuple[Donation, ...]]:
        """Threads with their own context whose time `server` may consume, with the chain."""
        return {owner: reach[server] for owner, reach in self.chains.items() if server in reach}


def timed_threads(system: System) -> dict[str, TimedThread]:
    out = {}
    for name, inst in system.instances.items():
        for t in A.threads_of(system, name):
            params = scheduling.thread_params(inst, t.interface)
            key = scheduling.source_of(inst, t.interface, "budget")
            if params.passive:
                key = f"{t.interface}_passive"
            out[t.id] = TimedThread(t, params, t.core, scheduling.setting_span(inst, key))
    return out


def donations(system: System, threads: dict[str, TimedThread]) -> list[Donation]:
    """Every Call that donates: from each thread of a client instance to the passive
    thread serving the interface it uses."""
    out = []
    if not any(t.params.passive for t in threads.values()):
        return out
    of_instance: dict[str, list[TimedThread]] = {}
    for t in threads.values():
        of_instance.setdefault(t.thread.instance, []).append(t)
    for conn in system.connections.values():
        passive = [s for to in conn.to_ends
                   if (s := threads.get(f"{to.instance}.{to.interface}")) is not None
                   and s.params.passive]
        if not passive or not A.rule_for(system, conn).rpc:
            continue
        for server in passive:
            for frm in conn.from_ends:
                out += [Donation(c.id, server.id, conn.name, conn.span)
                        for c in of_instance.get(frm.instance, ())]
    return out


def _chains(threads: dict[str, TimedThread], given: list[Donation]
            ) -> dict[str, dict[str, tuple[Donation, ...]]]:
    """Breadth first from each thread with its own context along donations: the
    shortest chain to every passive thread its time reaches."""
    by_caller: dict[str, list[Donation]] = {}
    for d in given:
        by_caller.setdefault(d.caller, []).append(d)
    out = {}
    for tid, t in threads.items():
        if t.params.passive:
            continue
        reach: dict[str, tuple[Donation, ...]] = {}
        frontier = [(tid, ())]
        while frontier:
            nxt = []
            for at, chain in frontier:
                for d in by_caller.get(at, ()):
                    if d.server not in reach and d.server != tid:
                        reach[d.server] = (*chain, d)
                        nxt.append((d.server, reach[d.server]))
            frontier = nxt
        out[tid] = reach
    return out


def _ceiling(t: TimedThread, reach: dict[str, tuple[Donation, ...]],
             threads: dict[str, TimedThread]) -> list[tuple[int, tuple[Donation, ...]]]:
    """The priorities `t`'s time runs at: its own, and each passive server's it reaches."""
    return [(t.priority, ()), *((threads[s].priority, chain) for s, chain in reach.items())]


def floor(me: TimedThread, reach, threads) -> int:
    """The lowest priority `me`'s time runs at: its own, or a passive server's below it."""
    return min(p for p, _ in _ceiling(me, reach, threads))


def _interference(me_floor: int, other: TimedThread, reach, threads) -> Interference | None:
    """How `other` can delay a thread whose time runs at `me_floor` or above: at the
    highest priority other's time runs at, if that is at least me_floor (equals run
    FIFO, so one may wait for the other's whole budget)."""
    levels = [(p, c) for p, c in _ceiling(other, reach, threads) if p >= me_floor]
    if not levels:
        return None
    # The shortest chain that reaches `me`'s level or above: the clearest witness.
    priority, chain = min(levels, key=lambda pc: (len(pc[1]), -pc[0]))
    return Interference(other, priority, chain)


def response_time(budget: int, interferers: list[TimedThread], limit: int) -> int | None:
    """The least R = budget + sum(ceil(R / T_j) * C_j), or None if the interferers use a
    whole core; iteration stops once R exceeds `limit` (R is above it then too)."""
    load = sum(j.params.budget / j.params.period for j in interferers)
    if load >= 1:
        return None
    r = budget + sum(j.params.budget for j in interferers)
    for _ in range(MAX_ITERATIONS):
        nxt = budget + sum(math.ceil(r / j.params.period) * j.params.budget
                                      for j in interferers)
        if nxt == r or nxt > limit:
            return nxt
        r = nxt
    # Each ceil(R/T) * C < (R/T + 1) * C, so R <= (C + B + sum C_j) / (1 - load).
    return math.ceil((budget + sum(j.params.budget for j in interferers))
                     / (1 - load))


def analyse(system: System, limits: dict[str, int] | None = None) -> Analysis:
    """Utilisation, donation chains and response-time bounds of every thread. A bound
    beyond a thread's period (or beyond `limits[thread]`, if larger) is reported as
    the first iterate past it: the thread is unschedulable either way."""
    threads = timed_threads(system)
    given = donations(system, threads)
    chains = _chains(threads, given)
    own = [t for t in threads.values() if not t.params.passive]
    bounds = {}
    for me in own:
        others = [o for o in own if o.id != me.id and o.core == me.core]
        me_floor = floor(me, chains[me.id], threads)
        hits = [i for o in others
                if (i := _interference(me_floor, o, chains[o.id], threads)) is not None]
        limit = max(me.params.period, (limits or {}).get(me.id, 0))
        r = response_time(me.params.budget, [i.by for i in hits], limit)
        bounds[me.id] = Bound(me, r, me_floor, hits)
    return Analysis(threads, given, chains, bounds)


def bound_text(bound: Bound, limit: int | None = None) -> str:
    """A bound as a refutation states it, against `limit` (default: the period)."""
    limit = bound.thread.params.period if limit is None else limit
    if bound.response is None:
        load = sum(i.by.params.utilisation for i in bound.interference)
        return f"unbounded: the threads that can delay it may use {100 * load:.1f}% of the core"
    if bound.response > limit:
        return f"above {limit} µs"
    return f"{bound.response} µs"


def witness(bound: Bound) -> list[A.Hop]:
    """The interference chain: each thread that can delay `bound`'s thread, through the
    passive servers its time runs in."""
    me = bound.thread
    hops: list[A.Hop] = []
    for i in sorted(bound.interference, key=lambda i: (-i.priority, i.by.id)):
        hops += [d.hop() for d in i.chain]
        at = i.chain[-1].server if i.chain else i.by.id
        whose = f" on `{i.by.id}`'s time" if i.chain else ""
        low = "" if bound.floor == me.priority else \
            f", the lowest priority `{me.id}`'s time runs at"
        text = (f"runs at priority {i.priority} (>= {bound.floor}{low}){whose} for up to "
                f"{i.by.params.budget} µs every {i.by.params.period} µs")
        hops.append(A.Hop(at, me.id, text, None, i.by.span))
    return hops


def has_time_settings(system: System) -> bool:
    """Whether the system says anything about time (otherwise every thread has CAmkES's
    default full budget and the table tells nothing)."""
    for name, inst in system.instances.items():
        owners = [None, *system.component_of(name).interfaces]
        keys = {k for o in owners for f in ("period", "budget") for k in
                scheduling.setting_keys(o, f)} | {f"{o}_passive" for o in owners if o}
        if keys & inst.attributes.keys():
            return True
    return False


def report(system: System, always: bool = False) -> str | None:
    """The table `mkbuild check` prints: for systems that say something about time,
    or `always`."""
    if not (always or has_time_settings(system)):
        return None
    return table(analyse(system))


def report_data(system: System, always: bool = False) -> dict | None:
    """The same table as data (`mkbuild check --json`), for the same systems: per core
    its utilisation, per thread (highest priority first) its priority, budget, period
    (µs), utilisation, response-time bound (µs; None: unbounded; the analysis stops
    once past the period, so a value above it means "above") and whether it meets its
    period; a passive thread has no time of its own, but the threads it runs on."""
    if not (always or has_time_settings(system)):
        return None
    analysis = analyse(system)
    threads = []
    for t in sorted(analysis.threads.values(), key=lambda t: (-t.priority, t.id)):
        row = {"thread": t.id, "priority": t.priority, "passive": t.params.passive}
        if t.params.passive:
            row["runs_on"] = sorted(analysis.runs_on(t.id))
        else:
            b = analysis.bounds[t.id]
            row |= {"budget_us": t.params.budget, "period_us": t.params.period,
                    "utilisation": t.params.utilisation, "response_bound_us": b.response,
                    "schedulable": b.schedulable}
        threads.append(row)
    return {"cores": [{"core": c, "utilisation": analysis.utilisation(c)}
                      for c in analysis.cores], "threads": threads}


# ---- the table `mkbuild check` prints -----------------------------------------------------

def _us(value: int | None) -> str:
    return "unbounded" if value is None else f"{value} µs"


def table(analysis: Analysis) -> str:
    """Thread, priority, budget, period, utilisation, response-time bound, schedulable?"""
    head = ("thread", "priority", "budget", "period", "utilisation", "response bound",
            "schedulable")
    rows, notes = [], []
    for t in sorted(analysis.threads.values(), key=lambda t: (-t.priority, t.id)):
        p = t.params
        if p.passive:
            callers = sorted(analysis.runs_on(t.id))
            rows.append((t.id, str(t.priority), "passive", "-", "-", "-", "callers'"))
            notes.append(f"passive `{t.id}` runs on the time of " +
                         (", ".join(f"`{c}`" for c in callers) if callers else
                          "no thread: nobody with time of its own calls it, it never runs"))
            continue
        b = analysis.bounds[t.id]
        rows.append((t.id, str(t.priority), _us(p.budget), _us(p.period),
                     f"{100 * p.utilisation:.1f}%", _us(b.response) if b.schedulable else
                     f"> {p.period} µs" if b.response is not None else "unbounded",
                     "yes" if b.schedulable else "no"))
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    right = {1, 2, 3, 4, 5}

    def line(r) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()

    out = []
    for core in analysis.cores:
        out.append(f"core {core}: utilisation {100 * analysis.utilisation(core):.1f}% "
                   "(sum of budget / period)")
    out += [line(head), *(line(r) for r in rows), *notes]
    return "\n".join(out)
