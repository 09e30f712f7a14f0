"""Hostile payloads for the loading tests."""

from __future__ import annotations


class Payload:
    """Unpickling this runs ``open(marker, "w")``: the file appears only if something unpickles."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))
