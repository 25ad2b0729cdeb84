"""Every dump comes with a manifest: what it holds, how many, checksums, when, which licence.

Watchdogs diff dumps over time; the manifest lets them check a download and see at a glance
what changed in size. Written next to the export as ``<file>.manifest.json``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from registry import __version__

DEFAULT_LICENCE = "CC-BY-4.0"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_path(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.json")


def write_manifest(out: Path, *, format: str, counts: Mapping[str, int],
                   licence: str = DEFAULT_LICENCE, datasets: list[str] | None = None,
                   extra: Mapping[str, Any] | None = None,
                   files: list[Path] | None = None) -> Path:
    """Write the manifest for ``out`` (and any further ``files`` of the same dump)."""
    entries = []
    for f in [out, *(files or [])]:
        entries.append({"name": f.name, "bytes": f.stat().st_size, "sha256": sha256_file(f)})
    manifest: dict[str, Any] = {
        "format": format,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "generator": f"transparency-registry {__version__}",
        "licence": licence,
        "counts": dict(counts),
        "files": entries,
    }
    if datasets is not None:
        manifest["datasets"] = datasets
    if extra:
        manifest.update(extra)
    path = manifest_path(out)
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return path
