"""One checker run: probe every component concurrently, store the run, update derived files.

`run_checks` is the one public entry: the `statusgen check` command and the Lambda handler only
parse their input and call it.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError

from checker.bundle import Bundle, Component, utc_now
from checker.collector import spared_from_collection
from checker.derived.rollup import ReadState, record_run
from checker.derived.state import STATE_KEY, State, Transition
from checker.errors import HttpFailure, MissingVariable, PreconditionFailed, StoreError
from checker.fanout import PartStore, part_bundle, parts_summary
from checker.probes import PROBES, Check, Outcome, ProbeContext
from checker.probes.addresses import Resolve
from checker.probes.base import timeout_reason
from checker.probes.http_client import HttpClient, HttpRequest
from checker.probes.pacing import STARTS_PER_TURN, Pacer
from checker.results import Run, Sample
from checker.run_report import ComponentLine, RunReport
from checker.store import Store
from checker.summary import SUMMARY_KEY

CONNECTIVITY_TIMEOUT = 5.0
_GRACE = 1.0
"""Seconds past a check's own timeout before the run gives up on a probe that ignores it."""


@spared_from_collection()  # the bundle and the modules outlive the run
def run_checks(
    bundle: Bundle,
    store: Store,
    *,
    now: datetime | None = None,
    region: str = "local",
    run_id: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    resolve: Resolve | None = None,
    env: Mapping[str, str] | None = None,
    shard: tuple[int, int] | None = None,
) -> RunReport:
    """Probe, store the run under `runs/`, update state, rollups and `summary.json`.

    Idempotent per `run_id`: a retried invocation with the same id re-probes nothing, counts
    nothing twice and reports no transition again. `shard=(index, count)` probes one part of the
    plan and records it in that part of the store (see checker.fanout); without it, a plan of
    several shards is probed at once and recorded part by part, as its workers would.
    `resolve` replaces the system resolver (tests: no real DNS).
    """
    started = time.perf_counter()
    now = now or utc_now()
    run_id = run_id or uuid.uuid4().hex[:16]
    parts = _parts(bundle, store, run_id, shard)
    reports: list[RunReport] = []
    pending: list[tuple[_Part, ReadState]] = []
    for part in parts:
        read = _known_state(part.store)
        if read.state is not None and read.state.has_applied(part.run_id):
            reports.append(_repeat(part.bundle, part.store, read.state, part.run_id, region, now, started))
        else:
            pending.append((part, read))
    components = _slowest_first(
        [c for part, _ in pending for c in part.bundle.components if c.check is not None],
        [read.state for _, read in pending if read.state is not None],
    )
    samples: list[Sample] = []
    offline = False
    if pending:
        samples, offline = asyncio.run(
            _probe_all(
                bundle,
                components,
                store,
                now=now,
                ssl_context=ssl_context or ssl.create_default_context(),
                env=os.environ if env is None else env,
                resolve=resolve,
            )
        )
    finished = now + timedelta(seconds=time.perf_counter() - started)
    by_component = {s.component: s for s in samples}
    for part, read in pending:
        run = Run(
            id=part.run_id,
            region=region,
            started_at=now,
            finished_at=finished,
            sequence=(read.state.sequence if read.state else 0) + 1,
            offline=offline,
            samples=[by_component[c.id] for c in part.bundle.components if c.id in by_component],
        )
        reports.append(_record(part, run, now, started, read))
    if bundle.checker.shards > 1 or shard is not None:
        _put_parts_summary(bundle, store)
    if len(reports) == 1:
        return reports[0]
    return _joined(bundle, reports, run_id, region, now, started)


def _slowest_first(components: list[Component], known: list[State]) -> list[Component]:
    """`components` with those whose last probe took longest (or never answered) first.

    A run lasts until its last probe ends, and a probe ends at the latest one timeout after it
    starts. Starting a thousand probes takes a few hundred milliseconds of CPU, so a hung endpoint
    started last would end the run that much past its timeout; started first, it ends with the
    timeout. The order comes from the last decision stored for each component; a component never
    probed keeps its place after those, and the order of samples in the stored run is the plan's.
    """
    last: dict[str, float] = {}
    for state in known:
        for component_id, decided in state.components.items():
            last[component_id] = (
                decided.last_latency_ms / 1000
                if decided.last_latency_ms is not None
                else float("inf")  # no answer: a timeout, or a refusal that costs nothing to start early
            )
    return sorted(components, key=lambda c: -min(last.get(c.id, 0.0), c.check.timeout if c.check else 0.0))


@dataclass(frozen=True)
class _Part:
    """What one run records into: the whole store, or one shard's part of it."""

    bundle: Bundle
    store: Store
    run_id: str


def _parts(bundle: Bundle, store: Store, run_id: str, shard: tuple[int, int] | None) -> list[_Part]:
    if shard is not None:
        index, count = shard
        return [_Part(part_bundle(bundle, index, count), PartStore(store, index, count), run_id)]
    count = bundle.checker.shards
    if count == 1:
        return [_Part(bundle, store, run_id)]
    # Each part's run id is the one its worker would be given (checker.fanout.worker_events).
    return [
        _Part(part_bundle(bundle, index, count), PartStore(store, index, count), f"{run_id}-s{index}")
        for index in range(count)
    ]


def _record(part: _Part, run: Run, now: datetime, started: float, read: ReadState) -> RunReport:
    """Store the run of one part and apply it to that part's derived files (from the state as
    `read` before probing)."""
    store = part.store
    try:
        store.put_json(run.key, run.model_dump(mode="json"), if_none_match=True)
    except PreconditionFailed:
        # An earlier attempt of this invocation stored the run and lost the answer: the stored
        # object is the fact, so count it rather than this attempt's samples.
        stored = store.get_json(run.key)
        if stored is None:
            raise StoreError(f"{store.location}/{run.key}: the run could not be stored") from None
        run = Run.model_validate(stored)
    warnings: list[str] = []
    effects, state = record_run(part.bundle, store, run, now=now, warnings=warnings, read=read)
    report = _report(part.bundle, run, effects.transitions, state, started, duplicate=False)
    report.warnings = warnings
    return report


def _put_parts_summary(bundle: Bundle, store: Store) -> None:
    """`summary.json` naming the parts, written when it is not that already (the first sharded
    run, or the shard count changed): the same bytes from every worker."""
    data = parts_summary(bundle)
    stored = store.get(SUMMARY_KEY)
    if stored is None or stored.data != data:
        store.put(SUMMARY_KEY, data)


def _joined(
    bundle: Bundle, reports: list[RunReport], run_id: str, region: str, now: datetime, started: float
) -> RunReport:
    """One report for the parts of a run recorded in a sharded store."""
    order = {c.id: index for index, c in enumerate(bundle.components)}
    first = reports[0].run
    run = Run(
        id=run_id,
        region=region,
        started_at=now,
        finished_at=first.finished_at,
        sequence=first.sequence,
        offline=first.offline,
        samples=sorted((s for r in reports for s in r.run.samples), key=lambda s: order[s.component]),
    )
    return RunReport(
        run=run,
        transitions=[t for r in reports for t in r.transitions],
        duration_seconds=round(time.perf_counter() - started, 3),
        duplicate=all(r.duplicate for r in reports),
        components=sorted((line for r in reports for line in r.components), key=lambda line: order[line.component]),
        earlier_transitions=[t for r in reports for t in r.earlier_transitions],
        warnings=[w for r in reports for w in r.warnings],
    )


def _known_state(store: Store) -> ReadState:
    """The state as stored, to know the runs applied; its parse is None when missing or
    unreadable (recording the run then rebuilds it from `runs/`)."""
    stored = store.get(STATE_KEY)
    if stored is None:
        return ReadState(None, None)
    try:
        return ReadState(stored, State.model_validate_json(stored.data))
    except ValidationError:
        return ReadState(stored, None)


def _repeat(
    bundle: Bundle, store: Store, state: State, run_id: str, region: str, now: datetime, started: float
) -> RunReport:
    effects = state.effects_of(run_id)
    run = None
    if effects is not None:
        key = Run(id=run_id, region=effects.region, started_at=effects.at, finished_at=effects.at, samples=[]).key
        data = store.get_json(key)
        run = Run.model_validate(data) if data else None
    if run is not None:
        _, state = record_run(bundle, store, run, now=now)  # finishes an interrupted update
    else:
        run = Run(id=run_id, region=region, started_at=now, finished_at=now, samples=[])
    report = _report(bundle, run, [], state, started, duplicate=True)
    if effects is not None:
        report.earlier_transitions = list(effects.transitions)
    return report


def _report(
    bundle: Bundle, run: Run, transitions: list[Transition], state: State, started: float, *, duplicate: bool
) -> RunReport:
    by_component = {s.component: s for s in run.samples}
    lines = []
    for component in bundle.components:
        sample = by_component.get(component.id)
        if sample is None:
            continue
        measured = None if run.offline else state.components.get(component.id)
        lines.append(
            ComponentLine(
                component=component.id,
                name=component.name,
                status=measured.status if measured else None,
                sample=sample.status,
                latency_ms=sample.latency_ms,
                reason=sample.reason,
            )
        )
    return RunReport(
        run=run,
        transitions=transitions,
        duration_seconds=round(time.perf_counter() - started, 3),
        duplicate=duplicate,
        components=lines,
    )


async def _probe_all(
    bundle: Bundle,
    components: list[Component],
    store: Store,
    *,
    now: datetime,
    ssl_context: ssl.SSLContext,
    env: Mapping[str, str],
    resolve: Resolve | None = None,
) -> tuple[list[Sample], bool]:
    http = HttpClient(ssl_context) if resolve is None else HttpClient(ssl_context, resolve=resolve)
    pacer = Pacer(bundle.checker.concurrency)

    async def one(component: Component) -> Sample:
        context = ProbeContext(
            now=now, component=component.id, http=http, ssl_context=ssl_context, store=store, env=env
        )
        return await _probe_component(component, context, pacer)

    connectivity = asyncio.ensure_future(_connectivity(bundle.checker.connectivity_url, http))
    # Tasks are made a turn's worth at a time, as the pacer admits them: making all of them at
    # once would run every task's first step (a thousand of them) before the first probe starts.
    probes: list[asyncio.Future[Sample]] = []
    for start in range(0, len(components), STARTS_PER_TURN):
        probes.extend(asyncio.ensure_future(one(c)) for c in components[start : start + STARTS_PER_TURN])
        await asyncio.sleep(0)
    online, *samples = await asyncio.gather(connectivity, *probes)
    return [s for s in samples if isinstance(s, Sample)], not online


async def _probe_component(component: Component, context: ProbeContext, pacer: Pacer) -> Sample:
    check = component.check
    assert check is not None
    outcome = await probe_with_retries(check, context, pacer=pacer)
    latency = None if outcome.latency_ms is None else round(outcome.latency_ms, 1)
    return Sample(
        component=component.id,
        status=outcome.status,
        at=context.now,
        latency_ms=latency,
        code=outcome.code,
        reason=outcome.reason,
        endpoint_text=outcome.endpoint_text,
        stated=outcome.stated,
    )


async def probe_with_retries(check: Check, context: ProbeContext, *, pacer: Pacer | None = None) -> Outcome:
    """`check` probed until it is not down, at most `check.retries` more times: the last outcome.
    The checker's run and `statusgen gate` both call it, so "healthy" means the same to both.

    With a `pacer`, each attempt takes a slot of its own, so a retry is paced like any other probe."""
    outcome = Outcome("down", reason="not probed")
    for _ in range(check.retries + 1):
        if pacer is None:
            outcome = await probe_once(check, context)
        else:
            async with pacer.slot():
                outcome = await probe_once(check, context)
        if outcome.status != "down":
            break
    return outcome


async def probe_once(check: Check, context: ProbeContext) -> Outcome:
    """One probe of `check`, never an exception and never longer than its timeout (plus a grace
    for a probe that would ignore it): every failure, even a bug, is an Outcome."""
    try:
        async with asyncio.timeout(check.timeout + _GRACE):
            return await PROBES[check.type].probe(check, context)
    except TimeoutError:
        return Outcome("down", reason=timeout_reason(check.timeout))
    except MissingVariable as error:
        return Outcome("down", reason=f"configuration: ${{{error.name}}} is not set")
    except Exception as error:  # one broken probe must never break the run
        return Outcome("down", reason=f"probe failed: {type(error).__name__}")


async def _connectivity(url: str | None, http: HttpClient) -> bool:
    """True when the checker itself can reach the outside world (or nothing is configured)."""
    if url is None:
        return True
    try:
        async with asyncio.timeout(CONNECTIVITY_TIMEOUT):
            answer = await http.fetch(HttpRequest("GET", url))
    except (TimeoutError, OSError, HttpFailure):
        return False
    return answer.code < 500
