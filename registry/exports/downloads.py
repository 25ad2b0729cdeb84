"""``/downloads/``: the published snapshots as static files (no database connection).

A file is served only when its snapshot's manifest lists it (so nothing else in the
directory, and no path outside it, can be reached). Its ETag is the SHA-256 the manifest
gives, the same on every server and for as long as the snapshot exists; ``Range`` requests
(one range) answer 206 so interrupted downloads resume, and ``If-Range`` guards a resumed
download against a file that changed meanwhile (``latest`` moves on).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from litestar import Controller, Request, Response, get, head
from litestar.params import FromPath
from litestar.response import Redirect

from registry.api.access import PUBLIC, access
from registry.api.deadline import response_deadline
from registry.api.problems import Problem
from registry.api.streams import ClosingStream
from registry.pages.render import page
from registry.settings import Settings

from .publish import LATEST, MANIFEST, latest, read_manifest, snapshots

CHUNK = 1 << 16
MEDIA_TYPES = {".json": "application/json", ".jsonl": "application/x-ndjson",
               ".csv": "text/csv; charset=utf-8"}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def downloads_root(request: Request[Any, Any, Any]) -> Path:
    settings: Settings = request.app.state.settings
    return settings.downloads_dir


@dataclass(frozen=True, slots=True)
class FileInfo:
    path: Path
    size: int
    etag: str
    mtime: float


def find_file(root: Path, snapshot: str, name: str) -> FileInfo | None:
    """The file ``name`` of ``snapshot`` (or of the newest one for ``latest``)."""
    found = snapshots(root)
    if snapshot == LATEST:
        folder = found[0] if found else None
    else:
        folder = next((s for s in found if s.name == snapshot), None)
    if folder is None:
        return None
    path = folder / name
    if not path.is_file():
        return None
    if name == MANIFEST:
        digest = f"manifest-{path.stat().st_mtime_ns:x}"
    else:
        listed = {f["name"]: f for f in read_manifest(folder)["files"]}
        if name not in listed:
            return None
        digest = listed[name]["sha256"]
    stat = path.stat()
    return FileInfo(path=path, size=stat.st_size, etag=f'"{digest}"', mtime=stat.st_mtime)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` of a single ``bytes=`` range; None for no range or several (the
    whole file is sent then, as RFC 9110 allows). Unsatisfiable: 416."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first_s, last_s = match.groups()
    if not first_s and not last_s:
        return None
    if not first_s:  # the last N bytes
        n = int(last_s)
        if n == 0:
            raise _unsatisfiable(size)
        return max(0, size - n), size - 1
    first = int(first_s)
    last = min(int(last_s), size - 1) if last_s else size - 1
    if first >= size or last < first:
        raise _unsatisfiable(size)
    return first, last


def _unsatisfiable(size: int) -> Problem:
    return Problem(416, f"The range is outside the file ({size} bytes).", field="Range",
                   headers={"Content-Range": f"bytes */{size}"})


async def _read(path: Path, first: int, last: int) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as fh:
        await fh.seek(first)
        left = last - first + 1
        while left > 0:
            chunk = await fh.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def _listing(root: Path) -> dict[str, Any]:
    items = []
    for folder in snapshots(root):
        manifest = read_manifest(folder)
        items.append({
            "name": folder.name,
            "generated_at": manifest.get("generated_at"),
            "changes_cursor": manifest.get("changes_cursor"),
            "manifest": f"/downloads/{folder.name}/{MANIFEST}",
            "files": [{**f, "url": f"/downloads/{folder.name}/{f['name']}"}
                      for f in manifest["files"]],
        })
    return {"latest": items[0]["name"] if items else None, "snapshots": items}


class DownloadController(Controller):
    path = "/downloads"
    tags = ["downloads"]

    @get("/", operation_id="pageDownloads", opt=access(PUBLIC), media_type="text/html",
         summary="The published snapshots (HTML)")
    async def listing(self, request: Request[Any, Any, Any]) -> Response[str]:
        listing = _listing(downloads_root(request))
        latest = listing["latest"]
        return page("downloads.html", title="Downloads", request=request, listing=listing,
                    description="The whole register as dated snapshots: BODS 0.4, OCDS 1.1, "
                                "FollowTheMoney, JSON Lines, CSV tables with a data package, "
                                "and links" + (f"; latest {latest}." if latest else "."))

    @get("/index.json", operation_id="listDownloads", opt=access(PUBLIC),
         summary="The published snapshots and their files (JSON)")
    async def index(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return Response(json.dumps(_listing(downloads_root(request)), ensure_ascii=False)
                        .encode(), media_type="application/json")

    @get("/{snapshot:str}/{name:path}", operation_id="download", opt=access(PUBLIC),
         middleware=[response_deadline("download_max_seconds")],
         summary="A file of a snapshot (`latest`: the newest); ETag and Range supported")
    async def download(self, request: Request[Any, Any, Any], snapshot: FromPath[str],
                       name: FromPath[str]) -> Response[Any]:
        answer = _answer(request, snapshot, name)
        if answer.status == 304:
            return Response(b"", status_code=304, headers=answer.headers)
        return ClosingStream(_read(answer.info.path, answer.first, answer.last),
                             status_code=answer.status, media_type=answer.media_type,
                             headers=answer.headers)

    @head("/{snapshot:str}/{name:path}", operation_id="downloadHead", opt=access(PUBLIC),
          summary="The headers a GET of the file would answer (size, ETag, ranges)")
    async def download_head(self, request: Request[Any, Any, Any], snapshot: FromPath[str],
                            name: FromPath[str]) -> Response[None]:
        # Mirrors check size and ETag before fetching; the headers are GET's exactly.
        answer = _answer(request, snapshot, name)
        return _HeadResponse(None, status_code=answer.status, media_type=answer.media_type,
                             headers=answer.headers)


@dataclass(frozen=True, slots=True)
class _Answer:
    info: FileInfo
    status: int
    first: int
    last: int
    media_type: str
    headers: dict[str, str]


def _answer(request: Request[Any, Any, Any], snapshot: str, name: str) -> _Answer:
    """Status and headers of a GET (and HEAD) of a snapshot's file."""
    name = name.lstrip("/")
    info = find_file(downloads_root(request), snapshot, name)
    if info is None:
        raise Problem(404, f"No file '{name}' in snapshot '{snapshot}'.", field="name")
    headers = {"ETag": info.etag, "Accept-Ranges": "bytes",
               "Cache-Control": "public, max-age=60" if snapshot == LATEST
               else "public, max-age=31536000, immutable"}
    media_type = MEDIA_TYPES.get(info.path.suffix, "application/octet-stream")
    if info.etag in (request.headers.get("if-none-match") or ""):
        return _Answer(info, 304, 0, -1, media_type, headers)
    requested = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if requested and if_range and if_range.strip() != info.etag:
        requested = None  # the file changed since the first part: send it whole
    span = parse_range(requested, info.size)
    first, last = span or (0, info.size - 1)
    headers["Content-Length"] = str(last - first + 1)
    if span:
        headers["Content-Range"] = f"bytes {first}-{last}/{info.size}"
    else:
        headers["Content-Disposition"] = f'attachment; filename="{info.path.name}"'
    return _Answer(info, 206 if span else 200, first, last, media_type, headers)


class _HeadResponse(Response[None]):
    """A body-less answer whose Content-Length is the GET's, not 0 (RFC 9110 §9.3.2)."""

    def render(self, content: Any, media_type: str, enc_hook: Any = None) -> bytes:
        return b""  # nothing to serialise, whatever the file's media type

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> Any:
        asgi = super().to_asgi_response(*args, **kwargs)
        length = self.headers.get("Content-Length")
        if length is not None:
            asgi.headers["Content-Length"] = length
        return asgi


def snapshot_redirect(request: Request[Any, Any, Any], name: str) -> Redirect | None:
    """A redirect to ``name`` in the newest snapshot, when one holds it: the full exports are
    served as static files rather than streamed from the database on every request."""
    newest = latest(downloads_root(request))
    if newest is None or name not in {f["name"] for f in read_manifest(newest)["files"]}:
        return None
    return Redirect(f"/downloads/{newest.name}/{name}", status_code=307)


def latest_snapshot(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    """The newest snapshot's name and files (the home page's links)."""
    newest = latest(downloads_root(request))
    if newest is None:
        return None
    manifest = read_manifest(newest)
    return {"name": newest.name, "generated_at": manifest.get("generated_at"),
            "files": {f["name"]: f"/downloads/{newest.name}/{f['name']}"
                      for f in manifest["files"]}}
