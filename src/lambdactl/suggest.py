"""\"did you mean\" for one-line errors: the closest known word, then all of them."""

from __future__ import annotations

import difflib


def known(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    listed = ", ".join(choices) or "none"
    return f"did you mean {close[0]!r}? known: {listed}" if close else f"known: {listed}"
