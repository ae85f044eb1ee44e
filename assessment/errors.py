"""The refusals a person can meet, with one root, so every door turns them into words alike.

``Refused`` is the root: a request we understood and will not do, with words fit to show the
person who asked. A page shows its text as it is (``ui.errors``); the command line prints it and
exits 2 (``assessment.cli.main``). Anything that is not a ``Refused`` is a fault of ours, not of
the request, and is reported as one.

The three kinds say *why*, so a caller can choose without reading the words:
- ``NotFound``: it does not exist, or is not this person's to see (the same words, so a stranger
  learns nothing from the difference);
- ``Forbidden``: it exists and they may see it, but they may not do this to it;
- ``Invalid``: the request itself is wrong (bad text, a step the lifecycle refuses, a duplicate).
"""

from __future__ import annotations


class Refused(Exception):
    """A user-facing refusal: not found, not allowed or not valid. Its text is shown as it is."""


class NotFound(Refused):
    """What was asked for does not exist, or is not this person's to see (the same words)."""


class Forbidden(Refused):
    """The person may see it but may not do this to it."""


class Invalid(Refused):
    """The request is not valid: bad text, a refused step, a duplicate name."""


__all__ = ["Forbidden", "Invalid", "NotFound", "Refused"]
