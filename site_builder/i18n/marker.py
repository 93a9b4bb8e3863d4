"""`N_`: marks interface text where it is defined (so the catalogs can list it) and leaves it as
it is; it is translated where it is shown, in the page's language."""

from __future__ import annotations


def N_(message: str) -> str:
    return message
