"""Team alerts: tell the on-call team when a component's status changes, through their channels.

The bundle carries `AlertsSettings`, so every checker imports this package; the engine that sends
(`send_alerts`, its report, the stored state, the `Alert` it sends) is imported on first use, by
sites with alerts only.
"""

import importlib
from typing import TYPE_CHECKING, Any

from checker.alerting.config import AlertLevel, AlertRoute, AlertsSettings

if TYPE_CHECKING:
    from checker.alerting.engine import AlertReport, Delivery, send_alerts
    from checker.alerting.events import Alert
    from checker.alerting.state import ALERT_STATE_KEY

_ON_FIRST_USE = {
    "Alert": "checker.alerting.events",
    "ALERT_STATE_KEY": "checker.alerting.state",
    "AlertReport": "checker.alerting.engine",
    "Delivery": "checker.alerting.engine",
    "send_alerts": "checker.alerting.engine",
}


def __getattr__(name: str) -> Any:
    if name not in _ON_FIRST_USE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_ON_FIRST_USE[name]), name)


__all__ = [
    "ALERT_STATE_KEY",
    "Alert",
    "AlertLevel",
    "AlertReport",
    "AlertRoute",
    "AlertsSettings",
    "Delivery",
    "send_alerts",
]
