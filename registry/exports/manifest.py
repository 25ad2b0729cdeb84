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


def file_entry(path: Path, name: str | None = None) -> dict[str, Any]:
    """A file as every manifest lists it: its name, size and SHA-256."""
    return {"name": name or path.name, "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def provenance(generated_at: str | None = None, licence: str = DEFAULT_LICENCE) -> dict[str, str]:
    """When, by what and under which licence: the same keys in every manifest."""
    when = generated_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return {"generated_at": when, "generator": f"transparency-registry {__version__}",
            "licence": licence}


def write_json(path: Path, document: Mapping[str, Any]) -> Path:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


def write_manifest(out: Path, *, format: str, counts: Mapping[str, int],
                   licence: str = DEFAULT_LICENCE, datasets: list[str] | None = None,
                   extra: Mapping[str, Any] | None = None,
                   files: list[Path] | None = None) -> Path:
    """Write the manifest for ``out`` (and any further ``files`` of the same dump)."""
    manifest: dict[str, Any] = {
        "format": format,
        **provenance(licence=licence),
        "counts": dict(counts),
        "files": [file_entry(f) for f in [out, *(files or [])]],
    }
    if datasets is not None:
        manifest["datasets"] = datasets
    if extra:
        manifest.update(extra)
    return write_json(manifest_path(out), manifest)
