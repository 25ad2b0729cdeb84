"""``/downloads/``: snapshots as static files with ETag and Range; exports point at them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.exports.publish import publish
from registry.settings import Settings

Client = AsyncTestClient[Litestar]


async def _published(database_url: str, settings: Settings) -> Path:
    return await publish(database_url, settings.downloads_dir)


async def test_range_requests_resume_and_etags_validate(
    client: Client, database_url: str, demo: dict[str, Any], settings: Settings
) -> None:
    folder = await _published(database_url, settings)
    whole = (folder / "registry.jsonl").read_bytes()
    url = f"/downloads/{folder.name}/registry.jsonl"

    r = await client.get(url)
    assert r.status_code == 200 and r.content == whole
    etag = r.headers["etag"]
    assert etag == f'"{hashlib.sha256(whole).hexdigest()}"'
    assert r.headers["accept-ranges"] == "bytes"

    r = await client.get(url, headers={"Range": "bytes=100-"})
    assert r.status_code == 206 and r.content == whole[100:]
    assert r.headers["content-range"] == f"bytes 100-{len(whole) - 1}/{len(whole)}"
    assert r.headers["content-length"] == str(len(whole) - 100)
    r = await client.get(url, headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == whole[10:20]
    r = await client.get(url, headers={"Range": "bytes=-5"})
    assert r.status_code == 206 and r.content == whole[-5:]
    r = await client.get(url, headers={"Range": f"bytes={len(whole)}-"})
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{len(whole)}"

    r = await client.get(url, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""
    # A resumed download of a file that changed meanwhile gets the whole new file.
    r = await client.get(url, headers={"Range": "bytes=100-", "If-Range": '"other"'})
    assert r.status_code == 200 and r.content == whole
    r = await client.get(url, headers={"Range": "bytes=100-", "If-Range": etag})
    assert r.status_code == 206

    r = await client.get("/downloads/latest/csv/entities.csv")
    assert r.status_code == 200 and r.content == (folder / "csv/entities.csv").read_bytes()
    assert r.headers["content-type"].startswith("text/csv")


async def test_listing_and_only_listed_files(
    client: Client, database_url: str, demo: dict[str, Any], settings: Settings
) -> None:
    r = await client.get("/downloads/index.json")
    assert r.json() == {"latest": None, "snapshots": []}
    folder = await _published(database_url, settings)
    (folder / "secret.txt").write_text("not listed")
    r = await client.get("/downloads/index.json")
    listing = r.json()
    assert listing["latest"] == folder.name
    files = {f["name"]: f for f in listing["snapshots"][0]["files"]}
    assert files["datapackage.json"]["url"] == f"/downloads/{folder.name}/datapackage.json"
    assert listing["snapshots"][0]["changes_cursor"]
    page = await client.get("/downloads/")
    assert page.status_code == 200 and "csv/entities.csv" in page.text
    for bad in (f"/downloads/{folder.name}/secret.txt", "/downloads/latest/../manifest.json",
                f"/downloads/{folder.name}/..%2F..%2Fsecret_key", "/downloads/20990101T000000Z/x"):
        r = await client.get(bad)
        assert r.status_code == 404, bad
    r = await client.get(f"/downloads/{folder.name}/manifest.json")
    assert json.loads(r.content)["snapshot"] == folder.name


async def test_exports_and_home_page_point_at_the_latest_snapshot(
    client: Client, database_url: str, demo: dict[str, Any], settings: Settings
) -> None:
    r = await client.get("/api/v1/exports/jsonl", follow_redirects=False)
    assert r.status_code == 200  # nothing published: streamed live
    folder = await _published(database_url, settings)
    for path, name in (("/api/v1/exports/jsonl", "registry.jsonl"),
                       ("/api/v1/exports/ftm", "registry.ftm.json"),
                       ("/api/v1/exports/csv/entities", "csv/entities.csv"),
                       ("/api/v1/exports/bods", "bods.json"),
                       ("/api/v1/exports/ocds", "ocds-records.json")):
        r = await client.get(path, follow_redirects=False)
        assert r.status_code == 307, path
        assert r.headers["location"] == f"/downloads/{folder.name}/{name}"
    r = await client.get("/api/v1/exports/bods", params={"dataset": "demo-bods"},
                         follow_redirects=False)
    assert r.status_code == 200  # a subset still streams
    home = await client.get("/")
    assert f"/downloads/{folder.name}/bods.json" in home.text


async def test_head_answers_like_get_without_a_body(
    client: Client, database_url: str, demo: dict[str, Any], settings: Settings
) -> None:
    folder = await _published(database_url, settings)
    url = f"/downloads/{folder.name}/registry.jsonl"
    got = await client.get(url)
    r = await client.head(url)
    assert r.status_code == 200 and r.content == b""
    for header in ("etag", "content-length", "accept-ranges", "content-type",
                   "content-disposition", "cache-control"):
        assert r.headers[header] == got.headers[header], header
    assert r.headers["content-length"] == str(len(got.content))

    r = await client.head(url, headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == b""
    assert r.headers["content-length"] == "10"
    assert r.headers["content-range"] == f"bytes 10-19/{len(got.content)}"
    r = await client.head(url, headers={"If-None-Match": got.headers["etag"]})
    assert r.status_code == 304
    r = await client.head(f"/downloads/{folder.name}/nothing.json")
    assert r.status_code == 404
