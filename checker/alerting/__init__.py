"""Team alerts: tell the on-call team when a component's status changes, through their channels."""

from checker.alerting.config import AlertLevel, AlertRoute, AlertsSettings
from checker.alerting.engine import ALERT_STATE_KEY, AlertReport, Delivery, send_alerts
from checker.alerting.events import Alert, StatusChange, Transition

__all__ = [
    "ALERT_STATE_KEY",
    "Alert",
    "AlertLevel",
    "AlertReport",
    "AlertRoute",
    "AlertsSettings",
    "Delivery",
    "StatusChange",
    "Transition",
    "send_alerts",
]
