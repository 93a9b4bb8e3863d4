"""Text that ends up in a mail header, a subject or an address: control characters are refused.

A CR or LF in such text would start a new header (or crash the mail library), a NUL cuts it short
in many readers, and the other control characters have no business in a one-line value. Content
is checked where it is validated (`HeaderText` on the fields that reach headers), and the sender
passes every value through `header_safe` again, for bundles compiled before a rule existed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""C0 and C1 controls, DEL, and the Unicode line and paragraph separators (Python's
`str.splitlines` breaks lines on several of these, and so does its mail library)."""
_CONTROL_RUN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_NAMES = {
    "\r": "a carriage return (CR)",
    "\n": "a line feed (LF)",
    "\t": "a tab",
    "\x00": "a NUL byte",
    "\x7f": "a DEL character",
}


def no_control_characters(value: str) -> str:
    """`value` without surrounding whitespace; ValueError when a control character is left inside."""
    value = value.strip()
    found = _CONTROL.search(value)
    if found is not None:
        raise ValueError(f"contains {_describe(found.group())}; write it on one line, without control characters")
    return value


def header_safe(value: str) -> str:
    """`value` with each run of control characters replaced by one space: safe in any header."""
    return _CONTROL_RUN.sub(" ", value).strip()


def _describe(character: str) -> str:
    if character in _NAMES:
        return _NAMES[character]
    name = unicodedata.name(character, "control character")
    return f"the control character U+{ord(character):04X} ({name.lower()})"


HeaderText = Annotated[str, AfterValidator(no_control_characters)]
"""A one-line text field that may go into a mail header, subject or address."""
