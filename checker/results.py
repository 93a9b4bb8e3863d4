"""What one checker run measured: the immutable facts every derived number comes from."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from checker.strict_model import StrictModel
from checker.vocabulary import ComponentStatus

SampleStatus = Literal["up", "degraded", "down"]


class Sample(StrictModel):
    """One probe of one component in one run."""

    component: str
    """Component id."""
    status: SampleStatus
    """up; degraded (slower than `degraded_after`, or a certificate close to expiry); down."""
    at: datetime
    """When the probe started (UTC)."""
    latency_ms: float | None = None
    """Time to the answer; None when there was no answer."""
    code: int | None = None
    """HTTP status code, when the probe is HTTP and got a response."""
    reason: str | None = None
    """Why it is not up, in a few words of ours: `expected 200, got 503`, `timeout after 5.0 s`.
    Public (page, feeds, summary); never the endpoint's own text."""
    endpoint_text: str | None = Field(default=None, max_length=1024, exclude_if=lambda v: v is None)
    """What the endpoint itself said that explains a failure (a body, a TXT record), at most
    1 KB. Private: kept in this run object only, never copied to the summary or the site."""
    stated: ComponentStatus | None = Field(default=None, exclude_if=lambda v: v is None)
    """The status another status page states for this component (`statuspage` checks), which
    becomes the component's status as it is."""


class Run(StrictModel):
    """One checker invocation in one region: stored once under `runs/` and never rewritten."""

    id: str
    """Unique id of the run (the invocation's request id, or a random one locally)."""
    region: str
    """Where it ran: the AWS region, or `local`."""
    started_at: datetime
    finished_at: datetime
    sequence: int = 0
    """1 + the highest `sequence` among the runs applied when this run started: runs are placed
    in this order first, so a clock stepped back cannot put a run before the ones it followed."""
    offline: bool = False
    """The checker's own connectivity probe failed: the samples say nothing about the components
    and the run counts as *no data*, never as downtime."""
    samples: list[Sample]

    @property
    def key(self) -> str:
        """Store key: sorted by time, unique per run, so overlapping runs never overwrite."""
        stamp = self.started_at.strftime("%Y/%m/%d/%H%M%S")
        return f"runs/{stamp}-{self.region}-{self.id}.json"
