"""Subscriber notifications: after each publish, email and webhooks for every new update."""

from site_builder.notify.config import SubscribersSettings
from site_builder.notify.deliver import NotifyReport, notify_subscribers

__all__ = ["NotifyReport", "SubscribersSettings", "notify_subscribers"]
