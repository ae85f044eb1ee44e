"""The refusals a person can meet, with one parent, so every door turns them into words alike.

A page shows a StoreError's text as it is; the command line prints it and exits 2. Anything
else is a fault of ours, not of the request.
"""

from __future__ import annotations


class StoreError(Exception):
    """A user-facing problem with a request (not found, duplicate, not allowed, invalid)."""


class NotFound(StoreError):
    """What was asked for does not exist, or is not this person's to see (the same words)."""


__all__ = ["NotFound", "StoreError"]
