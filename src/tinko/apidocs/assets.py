"""The browser assets built by `scripts/build-assets` into `src/tinko/static/dist/`.

`manifest.json` there maps a logical name (`swagger-ui.js`) to its content-hashed file; only
files it lists are served, so a request can never reach anything else on disk.
"""

from __future__ import annotations

import json
from pathlib import Path

DIST = Path(__file__).resolve().parents[1] / "static" / "dist"
URL_PREFIX = "/static/dist"
BUILD_HINT = "scripts/build-assets"


class AssetsMissing(LookupError):
    """The assets were not built (or not all of those a page needs)."""


def manifest(dist: Path = DIST) -> dict[str, str]:
    """Logical name -> file name; empty when the assets were not built. Read on each call (a
    few hundred bytes, asked for only by the docs pages) so a rebuild needs no restart."""
    try:
        loaded = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {str(k): str(v) for k, v in loaded.items() if isinstance(v, str) and "/" not in v}


def urls(*names: str, dist: Path = DIST) -> list[str]:
    """The URLs of these assets, or AssetsMissing naming the first one not built."""
    files = manifest(dist)
    found = []
    for name in names:
        file = files.get(name)
        if file is None or not (dist / file).is_file():
            raise AssetsMissing(name)
        found.append(f"{URL_PREFIX}/{file}")
    return found


def served_file(file: str, dist: Path = DIST) -> Path | None:
    """The path of a built file by its hashed name, if the manifest lists it."""
    if file not in manifest(dist).values():
        return None
    path = dist / file
    return path if path.is_file() else None
