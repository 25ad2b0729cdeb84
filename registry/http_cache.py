"""HTTP caching of public reads: ``ETag``/``Last-Modified``, conditional GET (304),
``Cache-Control``, and an in-process cache of the expensive answers.

Which endpoints, and what their answers depend on, is one table here (``POLICIES``, by
``operation_id``), so the handlers stay as they are. Only anonymous ``GET`` requests are
served from the cache or given validators: a signed-in caller may see more than the public.

**Invalidation across processes.** Each serving process has its own memory, so an entry is
never trusted by itself: it is stored with the database's generations of the scopes the
answer depends on (``cache_generations``, migration 0027: every writing transaction adds one
to each scope it touches, in the same transaction). A request reads the generations (one
small query, before anything else) and is served from memory only when they are the ones
the entry was computed under. The generations are read before the answer's data, so an
entry is never older than its key: a registrar's decision or an import, once committed,
shows in the next request to any process.

The ``ETag`` is a hash of the body, so a 304 needs no trust in the cache either: two
processes that compute the same answer give it the same validator. ``Last-Modified`` (stored
answers only) is the time the answer's generations were read, to the second as HTTP dates
go, so ``If-Modified-Since`` alone can miss a change made within the second of the copy the
client holds; ``If-None-Match``, which clients send when they were given an ETag, takes
precedence (RFC 9110 §13.2.2) and is exact.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.engine import make_url

from registry.logging import get_logger

log = get_logger("registry.http_cache")

ALL = ("entities", "links", "ownership", "procurement", "register")
REVALIDATE = "public, no-cache"  # shared caches may store, but ask us (a 304 is cheap)


@dataclass(frozen=True, slots=True)
class Policy:
    scopes: tuple[str, ...]  # what the answer depends on; () = validators only, no store
    cache_control: str = REVALIDATE
    # Read from OpenSearch when it is configured, whose content changes as the outbox
    # drains (scope ``index``); PostgreSQL search does not depend on the drain.
    index: bool = False

    def depends_on(self, opensearch: bool) -> tuple[str, ...]:
        return (*self.scopes, "index") if self.index and opensearch else self.scopes


# The public reads that are worth it. ``scopes`` must name every table family the answer
# reads (migration 0027 lists the tables of each scope).
POLICIES: dict[str, Policy] = {
    "getContractBehind": Policy(ALL),
    "pageContract": Policy(ALL),
    "pageEntity": Policy(ALL),
    "pageHome": Policy(ALL),
    "getContract": Policy(("procurement", "entities")),
    "searchEntities": Policy(("entities", "search"), index=True),
    "pageSearch": Policy(("entities", "search"), index=True),
    "pageRegistrant": Policy(("register",)),
    "getRegistrant": Policy(("register",)),
    "getEntity": Policy(("entities",)),
    # Ownership walks and the public lists: 100-150 answers/s computed on a 100k register,
    # p99 200-460 ms under 16 clients (README, serving). Stored, invalidated by any write to
    # the public tables (ALL): a list or a walk reads across several of them.
    "getEntityOwners": Policy(ALL),
    "getEntityHoldings": Policy(ALL),
    "getEntityOwnershipGraph": Policy(ALL),
    "listContracts": Policy(ALL),
    "listEntities": Policy(ALL),
    "listMeetings": Policy(ALL),
    "getMeeting": Policy(ALL),
    "listRegistrants": Policy(ALL),
    "listLinks": Policy(ALL),
    "listReturns": Policy(ALL),
    "listDonations": Policy(ALL),
    "getRegistrantCodeLists": Policy((), "public, max-age=3600"),
}

# Headers of a stored response not to replay: ours are added afresh, uvicorn adds date and
# server, and a cookie is never shared.
_DROP = frozenset({b"etag", b"last-modified", b"cache-control", b"date", b"server",
                   b"set-cookie"})


@dataclass(slots=True)
class Entry:
    generations: tuple[int, ...]
    day: dt.date  # answers that read "today" (ownership now, overdue returns) expire daily
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    last_modified: float


class AnswerCache:
    """Least recently used answers, bounded in bytes, one slot per path and query."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[tuple[str, bytes], Entry] = OrderedDict()
        self.flights: dict[tuple[str, bytes], Flight] = {}  # answers being computed

    def get(self, key: tuple[str, bytes]) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[str, bytes], entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 8:
            return
        self.discard(key)
        self._entries[key] = entry
        self.size += len(entry.body)
        while self.size > self.max_bytes:
            _, old = self._entries.popitem(last=False)
            self.size -= len(old.body)

    def discard(self, key: tuple[str, bytes]) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= len(old.body)


class Generations:
    """Reads ``cache_generations`` on a small pool of its own (no ORM session, no
    transaction: one round trip), one read at a time for the whole process.

    A request needs a reading taken after it arrived (one taken earlier may predate a commit
    it must see). Requests that arrive while a read is under way share the next one, which
    starts as soon as that read ends: under load one round trip answers many requests."""

    QUERY = "SELECT scope, sum(generation)::bigint FROM cache_generations GROUP BY scope"

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.reads = 0  # round trips made (the benchmark and tests look)
        self._next: asyncio.Future[dict[str, int]] | None = None
        self._pump: asyncio.Task[None] | None = None

    async def read(self) -> dict[str, int]:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        future = self._next
        if self._pump is None:
            self._pump = asyncio.create_task(self._run())
        return await asyncio.shield(future)

    async def _run(self) -> None:
        try:
            while self._next is not None:
                future, self._next = self._next, None
                try:
                    rows = await self.pool.fetch(self.QUERY)
                    self.reads += 1
                except Exception as exc:  # every waiter gets the error (a 500)
                    future.set_exception(exc)
                    future.exception()  # retrieved: no "never retrieved" warning
                else:
                    future.set_result({r[0]: r[1] for r in rows})
        finally:
            self._pump = None


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL as asyncpg reads it (a socket directory in ``?host=``, ``sslmode``
    and the other libpq parameters carried over)."""
    dsn: str = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return dsn


def cache_lifespan(max_bytes: int, database_url: str) -> Any:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        # Connects on first use: the app starts (and /ready says 503) while the database is down.
        pool = await asyncpg.create_pool(asyncpg_dsn(database_url), min_size=0, max_size=4)
        # Also for hot reads that need one statement and no ORM (registry/entities/read.py).
        app.state.read_pool = pool
        app.state.http_cache = AnswerCache(max_bytes)
        app.state.cache_generations = Generations(pool)
        try:
            yield
        finally:
            await pool.close()

    return lifespan


def etag_of(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    # Weak comparison (RFC 9110 §13.1.2): W/ prefixes do not count.
    wanted = etag.removeprefix(b"W/")
    return any(tag == b"*" or tag.strip().removeprefix(b"W/") == wanted
               for tag in if_none_match.split(b","))


def _not_modified(headers: dict[bytes, bytes], etag: bytes, last_modified: float) -> bool:
    if b"if-none-match" in headers:
        return _matches(headers[b"if-none-match"], etag)
    since = headers.get(b"if-modified-since")
    if since is None or not last_modified:
        return False
    try:
        when = parsedate_to_datetime(since.decode("latin-1")).timestamp()
    except (TypeError, ValueError):
        return False
    return int(last_modified) <= when


def _validators(etag: bytes, last_modified: float, policy: Policy) -> list[tuple[bytes, bytes]]:
    out = [(b"etag", etag), (b"cache-control", policy.cache_control.encode())]
    if last_modified:  # known only for stored answers: when their generations were read
        out.append((b"last-modified", formatdate(int(last_modified), usegmt=True).encode()))
    return out


async def _send_entry(send: Send, entry: Entry, policy: Policy,
                      headers: dict[bytes, bytes]) -> None:
    validators = _validators(entry.etag, entry.last_modified, policy)
    if _not_modified(headers, entry.etag, entry.last_modified):
        await send({"type": "http.response.start", "status": 304, "headers": validators})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    await send({"type": "http.response.start", "status": entry.status,
                "headers": [*entry.headers, *validators]})
    await send({"type": "http.response.body", "body": entry.body, "more_body": False})


def _policy(scope: Scope) -> Policy | None:
    if scope["type"] != ScopeType.HTTP or scope.get("method") != "GET":
        return None
    if scope.get("user") is not None or scope.get("auth") is not None:
        return None
    handler = scope.get("route_handler")
    return POLICIES.get(getattr(handler, "operation_id", None) or "")


def _key(scope: Scope) -> tuple[str, bytes]:
    query: bytes = scope.get("query_string", b"")
    return scope["path"], b"&".join(sorted(query.split(b"&"))) if query else b""


def http_cache_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        policy = _policy(scope)
        if policy is None:
            await app(scope, receive, send)
            return
        state = scope["litestar_app"].state
        cache: AnswerCache = state.http_cache
        headers = dict(scope["headers"])
        stored = bool(policy.scopes) and cache.max_bytes > 0
        generations: tuple[int, ...] = ()
        read_at = time.time()
        key = _key(scope)
        today = dt.datetime.now(dt.UTC).date()
        if stored:
            # Before the handler reads any data: the answer is at least this new.
            known = await state.cache_generations.read()
            scopes = policy.depends_on(bool(state.settings.opensearch_url))
            generations = tuple(known.get(s, 0) for s in scopes)
            entry = cache.get(key)
            if entry is not None and entry.generations == generations and entry.day == today:
                await _send_entry(send, entry, policy, headers)
                return
            # The same answer under way for the same generations: wait for it rather than
            # compute it again (a published story brings thousands to one page at once).
            flight = cache.flights.get(key)
            if flight is not None and flight.generations == generations and flight.day == today:
                entry = await asyncio.shield(flight.future)
                if entry is not None:
                    await _send_entry(send, entry, policy, headers)
                    return
            else:
                await _lead(app, scope, receive, send, policy, headers,
                            _Store(cache, key, generations, today, read_at))
                return
        await _capture(app, scope, receive, send, policy, headers,
                       _Store(cache, key, generations, today, read_at) if stored else None)

    return middleware


@dataclass(slots=True)
class Flight:
    generations: tuple[int, ...]
    day: dt.date
    future: asyncio.Future[Entry | None]


async def _lead(app: ASGIApp, scope: Scope, receive: Receive, send: Send, policy: Policy,
                headers: dict[bytes, bytes], store: _Store) -> None:
    """Compute an answer that others may wait for; they get nothing (and compute it
    themselves) if it fails or is not a 200."""
    flight = Flight(store.generations, store.day, asyncio.get_running_loop().create_future())
    store.cache.flights[store.key] = flight
    entry: Entry | None = None
    try:
        entry = await _capture(app, scope, receive, send, policy, headers, store)
    finally:
        if store.cache.flights.get(store.key) is flight:
            del store.cache.flights[store.key]
        flight.future.set_result(entry)


@dataclass(slots=True)
class _Store:
    cache: AnswerCache
    key: tuple[str, bytes]
    generations: tuple[int, ...]
    day: dt.date
    read_at: float


async def _capture(app: ASGIApp, scope: Scope, receive: Receive, send: Send, policy: Policy,
                   headers: dict[bytes, bytes], store: _Store | None) -> Entry | None:
    """Run the handler with its body held back, then answer with validators (or a 304)."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []
    answer: list[Entry] = []

    async def hold(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            if message["status"] != 200:  # errors and redirects pass through untouched
                start["passthrough"] = True
                await send(message)
            return
        if start.get("passthrough") or message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(chunks)
        kept = [(k, v) for k, v in start.get("headers", []) if k.lower() not in _DROP]
        entry = Entry(store.generations if store else (), store.day if store else dt.date.min,
                      200, kept, body, etag_of(body),
                      store.read_at if store else 0.0)
        if store is not None:
            store.cache.put(store.key, entry)
        answer.append(entry)
        await _send_entry(send, entry, policy, headers)

    await app(scope, receive, hold)
    return answer[0] if answer else None

