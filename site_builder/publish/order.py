"""The order of writes and deletes that keeps the live site whole while a publish runs."""

from __future__ import annotations

from collections.abc import Container, Iterable

from site_builder.publish.headers import is_hashed_asset


def upload_batches(paths: Iterable[str], live: Container[str] = frozenset()) -> list[list[str]]:
    """Changed files in the order that keeps the live site whole: assets, data, new pages, then
    the pages already `live`. A batch is written completely before the next one starts."""
    assets, data, pages = [], [], []
    for path in sorted(paths):
        if is_hashed_asset(path):
            assets.append(path)
        elif path.endswith(".html"):
            pages.append(path)
        else:
            data.append(path)
    # Deepest pages first: an incident's page is live before the index and history link to it.
    pages.sort(key=lambda p: (-p.count("/"), p))
    # New pages in a batch of their own: a changed page at the same depth (a component's page)
    # may link to a new incident, and uploads within a batch run in parallel.
    new_pages = [p for p in pages if p not in live]
    old_pages = [p for p in pages if p in live]
    return [batch for batch in (assets, data, new_pages, old_pages) if batch]


def delete_batches(paths: Iterable[str]) -> list[list[str]]:
    """Files leaving the site in the reverse order: pages before the data and assets they use."""
    return list(reversed(upload_batches(paths)))
