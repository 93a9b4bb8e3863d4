"""The `subscribers:` section of `statuspage.yaml`. Its model lives in `checker.subscriber_settings`,
because the bundle carries it and the checker never imports `site_builder`; it is importable from
here as well, where `site_builder.config` and older code look for it."""

from checker.subscriber_settings import SubscribersSettings

__all__ = ["SubscribersSettings"]
