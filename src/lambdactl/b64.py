"""Base64 of large zips (a layer's inline upload): one place for both sides of it."""

from __future__ import annotations

import binascii


def decode(data: bytes | memoryview) -> bytes:
    """DATA decoded, strictly: ValueError for anything but the standard alphabet with its
    padding (binascii's lenient default skips stray characters)."""
    return binascii.a2b_base64(data, strict_mode=True)
