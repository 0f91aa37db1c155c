"""\"did you mean\" for one-line errors: the closest known word, then all of them."""

from __future__ import annotations

import difflib


def closest(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1)
    return close[0] if close else None


def known(word: str, choices: list[str]) -> str:
    close = closest(word, choices)
    listed = ", ".join(choices) or "none"
    return f"did you mean {close!r}? known: {listed}" if close else f"known: {listed}"
