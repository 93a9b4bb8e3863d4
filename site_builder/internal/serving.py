"""The internal site on this machine: `statusgen serve` and `statusgen run` serve its folder on a
port of its own, every request behind the Basic credentials of `internal.user` and the password
in `internal.password_env`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from site_builder.content.site import Site
from site_builder.internal.access import BasicAuth, internal_password
from site_builder.internal.site import internal_folder

if TYPE_CHECKING:
    from site_builder.serving.serve import PreviewServer


class InternalServing:
    """What serving the internal site needs, checked before anything starts: its folder, and the
    password (a one-line StatusgenError when the variable is unset)."""

    def __init__(self, site: Site, env: Mapping[str, str] | None = None) -> None:
        settings = site.config.internal
        self.folder = internal_folder(site)
        self.auth: BasicAuth | None = None
        self.note: str | None = None
        """Why a configured internal site is not served here, in one line."""
        if settings is not None and self.folder is None:
            self.note = f"the internal site is published to {settings.publish}: not served here"
        if settings is not None and self.folder is not None:
            password = internal_password(settings.password_env, os.environ if env is None else env)
            self.auth = BasicAuth(settings.user, password)

    def start(self, *, port: int, host: str) -> PreviewServer | None:
        """Serve the internal site in the background; None when there is none to serve here."""
        from site_builder.serving.serve import start

        if self.auth is None or self.folder is None:
            return None
        return start(self.folder, port=port, host=host, guard=self.auth.refusal)
