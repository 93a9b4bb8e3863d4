"""Subscriber notifications: after each publish, email and webhooks for every new update.

`config` holds the settings (loaded with every site), `deliver` the sending (imported only by a
build that notifies: it brings the HTTP and mail clients)."""
