"""Every exception statusgen raises on purpose, in one place.

    StatusgenError                 base: a mistake or condition a person can act on (no traceback)
    ├── ContentError               statuspage.yaml or an incident file is invalid; carries Problems
    ├── MissingVariable            a `${NAME}` reference names a variable that is not set
    ├── StoreError                 the store could not be read or written
    │   ├── PreconditionFailed     a conditional write lost a race; re-read and try again
    │   └── DamagedFile            a derived file cannot be read; it is made again from runs/
    ├── HeartbeatRejected          a heartbeat came with an unknown component or a wrong token
    ├── PublishError               the site could not be published; the live site is unchanged
    ├── DeliveryError              a channel, mail server or webhook did not accept a message
    ├── TokenError                 a subscribe/unsubscribe link is forged, damaged or expired
    ├── RequestRejected            the subscribe endpoint refused a request (bad input, limit)
    ├── PackageError               the Lambda zip could not be built (pip failed, too large)
    └── GateFailed                 a deployment gate saw more failures than it allows

Both packages raise these; `site_builder` depends on `checker`, never the reverse, so they live here.

Three more never reach a person: they carry a decision inside the checker.

    TooLate                        a run must be placed further back than the state remembers
    HttpFailure                    a probe's exchange failed; its reason becomes the sample's
    DecodingError                  an answer's body cannot be decoded
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the site's content, located precisely enough to fix without searching."""

    file: str
    """Path of the file, relative to the site's root, with forward slashes."""
    line: int
    """1-based line number; 0 when the problem concerns the whole file."""
    key: str
    """Key path inside the file, such as `components[2].check.url`; empty when none applies."""
    message: str
    """What is wrong, in plain words, with the fix when there is an obvious one."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"

    def as_dict(self) -> dict[str, str | int]:
        return asdict(self)


class StatusgenError(Exception):
    """Base class: the CLI prints these without a traceback and exits with status 1."""


class ContentError(StatusgenError):
    """The site's content has problems; all of them are listed, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class StoreError(StatusgenError):
    """Reading or writing the store failed after retries."""


class PreconditionFailed(StoreError):
    """A conditional write found the object changed (or present) since it was read."""


class PublishError(StatusgenError):
    """Publishing the site failed; nothing was deleted and pages still reference live assets."""


class DeliveryError(StatusgenError):
    """A message was not accepted (channel, mail server, webhook); says which, never secrets."""


class TokenError(StatusgenError):
    """A signed link is not valid: forged, damaged, meant for another purpose, or expired."""


class RequestRejected(StatusgenError):
    """The subscribe endpoint refused a request; the message is shown to the visitor as is."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class HeartbeatRejected(StatusgenError):
    """A heartbeat report was refused: unknown component or wrong token (the token is never shown)."""


class PackageError(StatusgenError):
    """The Lambda package could not be built: pip failed, or the result exceeds Lambda's limits."""


class DeployError(StatusgenError):
    """`statusgen deploy` could not create or update the stack, or could not bring it to life."""


class GateFailed(StatusgenError):
    """A deployment gate saw its component fail more often than allowed; the message summarises."""


class MissingVariable(StatusgenError):
    """A `${NAME}` reference names a variable that is not set."""

    def __init__(self, name: str, key: str) -> None:
        self.name = name
        self.key = key
        super().__init__(f"{key}: environment variable {name} is not set")


class DamagedFile(StoreError):
    """A derived file that cannot be read: it is made again from `runs/`."""


class TooLate(Exception):
    """A run belongs before more of a component's samples than the state keeps (WINDOW in
    checker/derived/timeline.py), or among samples from a clock that stepped: only a rebuild
    from `runs/` can place it."""


class HttpFailure(Exception):
    """A probe's exchange failed; `reason` is ours (short, for the public page), `endpoint_text`
    the endpoint's own words if any (kept privately)."""

    def __init__(self, reason: str, endpoint_text: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.endpoint_text = endpoint_text


class DecodingError(Exception):
    """An answer's body cannot be decoded: an unknown or broken encoding (message: a short reason)."""
