"""`statusgen serve`: the published folder previewed on loopback with the site's own endpoints
(subscribe, unsubscribe, ...) and, when there is one, the internal site; with `--watch`, rebuilt
into that folder when a source changes. The HTTP server underneath (`site_builder.serving.serve`)
knows nothing of sites; this is where a site is loaded, built and mounted on it.
"""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from checker.store.local import LocalStore
from checker.summary import SUMMARY_KEY
from site_builder.content.site import Site, load_site
from site_builder.pipeline import build_and_publish, publish_folder, site_store
from site_builder.serving.endpoints import SiteEndpoints

if TYPE_CHECKING:
    from site_builder.serving.serve import PreviewServer


def serve_site(root: Path, *, port: int, watch: bool, site_dir: Path | None, internal_port: int | None = None) -> None:
    """Serve the published folder on 127.0.0.1 until interrupted, and the internal site, when there
    is one, on `internal_port` (default the next port); with `watch`, rebuild on source changes."""
    from site_builder.internal.serving import InternalServing

    internal = InternalServing(load_site(root))  # a missing password stops it before anything starts
    server = start_preview(root, port=port, watch=watch, site_dir=site_dir)
    inside = internal.start(port=port + 1 if internal_port is None else internal_port, host=server.host)
    sys.stderr.write(f"serving {server.site_dir} at {server.url} (Ctrl+C to stop)\n")
    if inside is not None:
        sys.stderr.write(f"serving the internal site {inside.site_dir} at {inside.url} (Basic auth)\n")
    elif internal.note:
        sys.stderr.write(f"{internal.note}\n")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if inside is not None:
            inside.close()


def start_preview(root: Path, *, port: int, watch: bool, site_dir: Path | None) -> PreviewServer:
    """`serve_site`'s server, started in the background; `close()` stops it."""
    from site_builder.serving.serve import start

    site = load_site(root)
    folder = site_dir or publish_folder(site)
    endpoints = SiteEndpoints(site)
    rebuild = None
    if watch:

        def rebuild() -> None:
            result = build_and_publish(root, out=str(folder), now=datetime.now(UTC), notify=False)
            endpoints.update(load_site(root))  # a `subscribers:` change applies without a restart
            for line in result.lines():
                sys.stderr.write(f"{line}\n")

        rebuild()
    return start(
        folder,
        port=port,
        rebuild=rebuild,
        handlers=endpoints.handlers(),
        watch_paths=watched_paths(site) if watch else None,
    )


def watched_paths(site: Site) -> list[Path]:
    """What a rebuild depends on: the content, the theme (templates, custom CSS, logo) and, for a
    store in a folder, the summary each `statusgen check` rewrites."""
    paths = [site.root / "statuspage.yaml", site.root / "incidents", site.root / "templates"]
    paths += [site.root / name for name in (site.bundle.site.custom_css, site.bundle.site.logo) if name]
    store = site_store(site)
    if isinstance(store, LocalStore):
        paths.append(store.root / SUMMARY_KEY)
    return paths
