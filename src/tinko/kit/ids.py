"""Opaque, sortable, prefixed identifiers (`org_…`, `usr_…`): time-ordered like ULIDs."""

from __future__ import annotations

import base64
import os
import time

# Crockford's base32 alphabet (lower case), whose order matches byte order, so ids sort by time.
_TRANSLATE = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789abcdefghjkmnpqrstvwxyz"
)


def new_id(prefix: str) -> str:
    """`prefix_` + 26 characters: 48 bits of milliseconds, then 80 bits of randomness."""
    millis = time.time_ns() // 1_000_000
    raw = (millis & (2**48 - 1)).to_bytes(6, "big") + os.urandom(10)
    # 16 bytes are 26 base32 characters once the padding is dropped; time comes first.
    encoded = base64.b32encode(raw).translate(_TRANSLATE).decode()[:26]
    return f"{prefix}_{encoded}"
