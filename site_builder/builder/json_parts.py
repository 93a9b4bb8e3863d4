"""A large JSON object written in parts, so that a cache of a big site is never one text in memory.

The build's two caches each hold one entry per incident file or per output (about 80 and 20 MB at
50,000 incidents). Serialised at once, the whole text and the structures made for it stood in
memory beside the site: the build's peak. Here the members are serialised a few thousand at a
time, each part a valid slice of the object's text, and the parts are written one after another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

MEMBERS_PER_PART = 2000


def object_in_parts(names: Sequence[str], dumps: Callable[[Sequence[str]], bytes]) -> Iterator[bytes]:
    """The JSON text of an object with the members `names` (in this order), in parts. `dumps`
    gives the text of the object of a slice of `names`, with no whitespace outside strings (as
    orjson and pydantic write it): each part is one such text, its braces taken off."""
    yield b"{"
    for start in range(0, len(names), MEMBERS_PER_PART):
        text = dumps(names[start : start + MEMBERS_PER_PART])
        yield (b"," if start else b"") + text[1:-1]
    yield b"}"
