"""The report of one checker run: `RunReport` says what the run did (its samples, the status
changes it caused, how long it took, what it got past) and prints itself as the small text table
of `statusgen check`, one `ComponentLine` per component. `checker.run` makes it; the CLI and the
Lambda handler read it.
"""

from __future__ import annotations

from pydantic import Field

from checker.derived.state import Transition
from checker.results import Run, SampleStatus
from checker.strict_model import StoredModel
from checker.vocabulary import ComponentStatus


class ComponentLine(StoredModel):
    """One line of the `statusgen check` table."""

    component: str
    name: str
    status: ComponentStatus | None
    """Measured status after flap control (None: not decided, e.g. an offline run)."""
    sample: SampleStatus | None
    """What this run's probe found."""
    latency_ms: float | None
    reason: str | None


class RunReport(StoredModel):
    """What a run did: its samples, the transitions it caused, and how long it took."""

    run: Run
    transitions: list[Transition]
    """Status changes caused by this run; empty when the run id had been applied before."""
    duration_seconds: float
    duplicate: bool = False
    """The run id had already been recorded (a retried invocation): nothing was counted again."""
    components: list[ComponentLine]
    earlier_transitions: list[Transition] = Field(default_factory=list)
    """For a duplicate: the transitions the first attempt recorded. An attempt whose answer was
    lost may have died before alerting, so these go to alerting again (which sends each once)."""
    warnings: list[str] = Field(default_factory=list)
    """What the run got past: a damaged derived file rebuilt, an unreadable run moved aside."""

    @property
    def transitions_to_alert(self) -> list[Transition]:
        return self.transitions or self.earlier_transitions

    @property
    def counts(self) -> dict[SampleStatus, int]:
        out: dict[SampleStatus, int] = {"up": 0, "degraded": 0, "down": 0}
        for sample in self.run.samples:
            out[sample.status] += 1
        return out

    def lines(self) -> list[str]:
        """A small text table (one line per component) and a closing line with the counts."""
        rows = [("COMPONENT", "STATUS", "PROBE", "LATENCY", "REASON"), *self.rows()]
        w = [max(len(row[i]) for row in rows) for i in range(4)]
        out = [f"{a:<{w[0]}}  {b:<{w[1]}}  {c:<{w[2]}}  {d:>{w[3]}}  {e}".rstrip() for a, b, c, d, e in rows]
        counts = self.counts
        state = " (offline: recorded as no data)" if self.run.offline else ""
        again = " (already recorded: nothing counted twice)" if self.duplicate else ""
        out.append(
            f"{counts['up']} up, {counts['degraded']} degraded, {counts['down']} down "
            f"in {self.duration_seconds:.2f} s{state}{again}"
        )
        out.extend(f"{t.component}: {t.old or 'new'} -> {t.new}" for t in self.transitions)
        out.extend(f"warning: {warning}" for warning in self.warnings)
        return out

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """(component, measured status, this probe, latency, reason) as text, for a table."""
        return [
            (
                line.component,
                line.status or "no data",
                line.sample or "",
                "" if line.latency_ms is None else f"{line.latency_ms:.0f} ms",
                line.reason or "",
            )
            for line in self.components
        ]
