"""The scale-out backend: an OpenSearch index fed by the outbox (opensearch-py's async client).

Folding, transliteration and legal forms happen once, in ``search/normalize.py``, before a
name reaches the index or a query reaches OpenSearch; the index needs no plugin (no ICU)
and behaves the same on a managed cluster and on osmem-server. Per document:

- ``name_norm``: the normalised names, one word per token, queried with ``fuzziness: AUTO``
  (typos) and as a phrase (word order); ``name_norm.trigrams``: their word trigrams (typos
  beyond two edits, run-together words);
- ``names``: the names as published, folded with ``asciifolding`` (for display and
  highlighting);
- ``ident_keys``: scheme-free identifier keys (``search/idkey.py``), a keyword field;
- ``kind``, ``country``, ``dataset``: keyword fields for filters and facets.

Searches go to an alias; ``rebuild`` fills a fresh index and moves the alias in one
``update_aliases`` call, so a search never sees a half-built index.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from opensearchpy import AsyncOpenSearch
from opensearchpy.exceptions import ConnectionTimeout, RequestError, TransportError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .backend import (
    Candidate,
    CandidateQuery,
    Hit,
    SearchQuery,
    SearchResult,
    decode_cursor,
    encode_cursor,
)
from .documents import Document, iter_documents, load_documents
from .highlight import highlight_names
from .idkey import query_keys
from .normalize import core_name, normalize_name

FACETS = ("kind", "country", "dataset")
# What follows "<alias>-" in the names of the indices a backend creates.
_OWN_INDEX = re.compile(r"initial|\d{20}")
IDENTIFIER_BOOST = 20.0
# Bulk requests a rebuild keeps in flight (see ``rebuild``). A real node under load can
# take longer than a search's timeout over one (merges, a flush of the indexing buffer): a
# rebuild of 1M on a busy machine failed at the 10 s of the client. Its bulks get longer,
# and one that timed out or was rejected (429) is sent again (indexing by id is idempotent).
REBUILD_BULKS_IN_FLIGHT = 2
REBUILD_BULK_TIMEOUT = 120.0
REBUILD_BULK_RETRIES = 3

INDEX_SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,
    # A replica where there is a second node to hold it: a single node is green, not
    # yellow for ever with a replica it cannot place.
    "auto_expand_replicas": "0-1",
    "analysis": {
        # A tokenizer, not a token filter: its grams get positions of their own, so that
        # minimum_should_match counts grams (a filter's grams share the word's position and
        # a match query would treat them as synonyms).
        "tokenizer": {"name_trigrams": {"type": "ngram", "min_gram": 3, "max_gram": 3,
                                        "token_chars": ["letter", "digit"]}},
        "analyzer": {
            "name_words": {"type": "custom", "tokenizer": "whitespace",
                           "filter": ["lowercase"]},
            "name_trigrams": {"type": "custom", "tokenizer": "name_trigrams",
                              "filter": ["lowercase"]},
            "name_folded": {"type": "custom", "tokenizer": "standard",
                            "filter": ["lowercase", "asciifolding"]},
        },
    },
}

INDEX_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "entity_id": {"type": "long"},
        "kind": {"type": "keyword"},
        "country": {"type": "keyword"},
        "dataset": {"type": "keyword"},
        "name": {"type": "keyword", "index": False},
        "names": {"type": "text", "analyzer": "name_folded"},
        "name_norm": {"type": "text", "analyzer": "name_words",
                      "fields": {"trigrams": {"type": "text", "analyzer": "name_trigrams"}}},
        "identifiers": {"type": "keyword"},
        "ident_keys": {"type": "keyword"},
    },
}


# A query of more than 1,024 clauses (indices.query.bool.max_clause_count) is an error on a
# real cluster, and every fuzzy word expands to up to 50 terms of the index: a query keeps its
# first 12 words and 240 characters, at most 12 x 50 fuzzy + 12 phrase + 240 trigram clauses.
MAX_QUERY_WORDS = 12
MAX_QUERY_CHARS = 240


def _bounded(text: str) -> str:
    """The words of ``text`` that a query uses (see MAX_QUERY_WORDS)."""
    kept: list[str] = []
    size = 0
    for word in text.split()[:MAX_QUERY_WORDS]:
        if size + len(word) > MAX_QUERY_CHARS:
            break
        kept.append(word)
        size += len(word) + 1
    return " ".join(kept) or text[:MAX_QUERY_CHARS]


def _name_match(name: str, loose: bool = False) -> dict[str, Any]:
    """Which names match: every distinctive word (up to two edits each) for short queries,
    three in four for long ones; ``loose``, any one of them (the second chance of a query
    that found nothing: one distinctive word in the index must answer). Legal forms do not
    decide a match (``Acme Construction Ltd`` must not match every ``... Ltd``); they only
    rank (see ``_name_ranking``)."""
    core = _bounded(core_name(name))
    return {"match": {"name_norm": {"query": core, "fuzziness": "AUTO", "prefix_length": 1,
                                    "minimum_should_match": 1 if loose else "2<75%",
                                    "boost": 2.0}}}


def _name_ranking(q: str) -> list[dict[str, Any]]:
    """What ranks the matches: the words in order, and shared word trigrams (close
    spellings rank above distant ones)."""
    q = _bounded(q)
    return [
        {"match_phrase": {"name_norm": {"query": q, "slop": 1, "boost": 1.0}}},
        {"match": {"name_norm.trigrams": {"query": q, "boost": 0.5}}},
    ]


class OpenSearchBackend:
    name = "opensearch"

    def __init__(self, url: str, sessionmaker: async_sessionmaker[AsyncSession], *,
                 prefix: str = "registry", refresh: bool = False,
                 timeout: float = 10.0) -> None:
        self.url = url
        self.sessionmaker = sessionmaker
        self.alias = f"{prefix}-entities"
        self.refresh = refresh
        self.client = AsyncOpenSearch(hosts=[url], timeout=timeout, max_retries=0,
                                      retry_on_timeout=False)

    # -- searching -----------------------------------------------------------------------

    async def search(self, query: SearchQuery) -> SearchResult:
        q = normalize_name(query.q)
        keys = query_keys(query.q)
        if not q and not keys:
            return SearchResult(hits=[], facets={f: {} for f in FACETS}, total=0,
                                served_by=self.name)
        matches = [_name_match(query.q)] if q else []
        if keys:
            matches.append({"terms": {"ident_keys": keys, "boost": IDENTIFIER_BOOST}})
        filters: list[dict[str, Any]] = []
        if query.kind:
            filters.append({"term": {"kind": query.kind}})
        if query.country:
            filters.append({"term": {"country": query.country.upper()}})
        if query.dataset:
            filters.append({"term": {"dataset": query.dataset}})
        body: dict[str, Any] = {
            "query": {"bool": {
                "must": [{"bool": {"should": matches, "minimum_should_match": 1}}],
                "should": _name_ranking(q) if q else [],
                "filter": filters}},
            "size": query.limit + 1,
            "sort": [{"_score": "desc"}, {"entity_id": "asc"}],
            "track_total_hits": True,
            "_source": ["names"],
            "aggs": {f: {"terms": {"field": f, "size": 50}} for f in FACETS},
        }
        offset = 0
        if query.cursor:
            # Keyset paging on (score, id), as PostgreSQL does: no `from`, so no page is
            # beyond index.max_result_window (from + size > 10,000 is an error on a real
            # cluster, and an error would send searches to the fallback).
            score, entity_id, offset = decode_cursor(query.cursor)
            body["search_after"] = [score, entity_id]
        res = await self.client.search(index=self.alias, body=body)
        if (q and not query.cursor and not res["hits"]["hits"]
                and len(core_name(query.q).split()) > 1):
            body["query"]["bool"]["must"][0]["bool"]["should"][0] = _name_match(query.q, True)
            res = await self.client.search(index=self.alias, body=body)
        raw_hits = res["hits"]["hits"]
        hits = [Hit(entity_id=int(h["_id"]), score=float(h["sort"][0]),
                    highlights=highlight_names(h["_source"].get("names", []), query.q))
                for h in raw_hits]
        nxt = None
        if len(hits) > query.limit:
            hits = hits[: query.limit]
            nxt = encode_cursor(hits[-1].score, hits[-1].entity_id, offset + query.limit)
        facets = {f: {b["key"]: b["doc_count"] for b in res["aggregations"][f]["buckets"]}
                  for f in FACETS}
        total = res["hits"]["total"]
        return SearchResult(hits=hits, facets=facets,
                            total=total["value"] if isinstance(total, dict) else int(total),
                            next=nxt, served_by=self.name)

    async def candidates(self, query: CandidateQuery) -> list[Candidate]:
        q = normalize_name(query.name)
        if not q:
            return []
        filters: list[dict[str, Any]] = []
        if query.kind:
            filters.append({"term": {"kind": query.kind}})
        if query.country:
            filters.append({"term": {"country": query.country.upper()}})
        must_not = [{"term": {"dataset": query.exclude_dataset}}] if query.exclude_dataset else []
        body = {
            "query": {"bool": {"must": [_name_match(query.name)],
                               "should": _name_ranking(q),
                               "filter": filters, "must_not": must_not}},
            "size": query.limit,
            "_source": False,
        }
        res = await self.client.search(index=self.alias, body=body)
        return [Candidate(entity_id=int(h["_id"]), score=float(h["_score"]))
                for h in res["hits"]["hits"]]

    async def health(self) -> bool:
        try:
            return bool(await self.client.ping())
        except Exception:  # unreachable is unhealthy, whatever the cause
            return False

    # -- indexing ------------------------------------------------------------------------

    async def ensure_index(self) -> None:
        """Create a first index behind the alias when there is none."""
        if not await self.client.indices.exists_alias(name=self.alias):
            # One fixed name, so that workers starting together create one index: the
            # others get "already exists", which is what they wanted.
            try:
                await self.client.indices.create(index=f"{self.alias}-initial", body={
                    "settings": INDEX_SETTINGS, "mappings": INDEX_MAPPINGS,
                    "aliases": {self.alias: {}}})
            except RequestError as exc:
                if exc.error != "resource_already_exists_exception":
                    raise

    async def index_entities(self, entity_ids: Sequence[int]) -> None:
        ids = list(dict.fromkeys(entity_ids))
        if not ids:
            return
        async with self.sessionmaker() as session:
            docs = await load_documents(session, ids)
        await self.ensure_index()
        found = {d["entity_id"] for d in docs}
        gone = [i for i in ids if i not in found]
        await self._bulk(self.alias, docs, gone)

    async def _bulk(self, index: str, docs: list[Document], deleted: Sequence[int] = (),
                    refresh: bool | None = None, request_timeout: float | None = None) -> None:
        lines: list[str] = []
        for doc in docs:
            lines.append(json.dumps({"index": {"_index": index, "_id": str(doc["entity_id"])}}))
            lines.append(json.dumps(doc, ensure_ascii=False))
        for entity_id in deleted:
            lines.append(json.dumps({"delete": {"_index": index, "_id": str(entity_id)}}))
        if not lines:
            return
        do_refresh = self.refresh if refresh is None else refresh
        params: dict[str, Any] = {"refresh": "true" if do_refresh else "false"}
        if request_timeout is not None:
            params["request_timeout"] = request_timeout
        res = await self.client.bulk(body="\n".join(lines) + "\n", params=params)
        if res.get("errors"):
            failed = [item for item in res["items"] for op, r in item.items()
                      if r.get("status", 200) >= 300
                      and not (op == "delete" and r.get("status") == 404)]
            if failed:
                raise RuntimeError(f"OpenSearch refused {len(failed)} documents: "
                                   f"{json.dumps(failed[:3])[:500]}")

    def _new_index_name(self) -> str:
        return f"{self.alias}-{dt.datetime.now(dt.UTC).strftime('%Y%m%d%H%M%S%f')}"

    async def rebuild(self, progress: Callable[[int], object] | None = None) -> int:
        """Fill a fresh index from the database, then point the alias at it and drop the
        indices it pointed at before. Run while the sync worker is paused
        (``search/sync.py`` holds the lock), so no change falls between old and new."""
        name = self._new_index_name()
        # While it fills, nobody reads the new index: no refresh, and the translog fsynced
        # every few seconds rather than at every bulk (a failed rebuild is started again).
        await self.client.indices.create(index=name, body={
            "settings": {**INDEX_SETTINGS, "refresh_interval": "-1",
                         "translog": {"durability": "async"}},
            "mappings": INDEX_MAPPINGS})
        count = 0
        pending: set[asyncio.Task[None]] = set()
        try:
            async with self.sessionmaker() as session:
                async for batch in iter_documents(session):
                    # A bulk request is indexed by one thread of the node: several in
                    # flight use its cores, and reading the next batch overlaps them.
                    if len(pending) >= REBUILD_BULKS_IN_FLIGHT:
                        done, pending = await asyncio.wait(
                            pending, return_when=asyncio.FIRST_COMPLETED)
                        for task in done:
                            task.result()
                    pending.add(asyncio.create_task(self._rebuild_bulk(name, batch)))
                    count += len(batch)
                    if progress:
                        progress(len(batch))
            await asyncio.gather(*pending)
            slow = {"request_timeout": REBUILD_BULK_TIMEOUT}  # a refresh of 1M documents
            await self.client.indices.put_settings(index=name, body={"index": {
                "refresh_interval": "1s", "translog.durability": "request"}}, params=slow)
            await self.client.indices.refresh(index=name, params=slow)
            await self.client.indices.flush(index=name, params=slow)  # durable before it serves
        except BaseException:
            # Let the bulks in flight end first: one the node handled after the delete
            # would create the index again, with dynamic mappings.
            await asyncio.gather(*pending, return_exceptions=True)
            await self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        old = await self._alias_targets()
        actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": self.alias}}
                                         for i in old]
        actions.append({"add": {"index": name, "alias": self.alias}})
        await self.client.indices.update_aliases(body={"actions": actions})
        for index in old:
            await self.client.indices.delete(index=index, ignore_unavailable=True)
        return count

    async def _rebuild_bulk(self, index: str, docs: list[Document]) -> None:
        for attempt in range(REBUILD_BULK_RETRIES + 1):
            try:
                await self._bulk(index, docs, refresh=False,
                                 request_timeout=REBUILD_BULK_TIMEOUT)
                return
            except TransportError as exc:  # ConnectionTimeout is one
                busy = isinstance(exc, ConnectionTimeout) or exc.status_code == 429
                if not busy or attempt == REBUILD_BULK_RETRIES:
                    raise
                await asyncio.sleep(2 ** attempt)

    async def _alias_targets(self) -> list[str]:
        if not await self.client.indices.exists_alias(name=self.alias):
            return []
        res = await self.client.indices.get_alias(name=self.alias)
        return sorted(res)

    async def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {"backend": self.name, "url": self.url, "alias": self.alias}
        try:
            targets = await self._alias_targets()
            info["indices"] = targets
            if targets:
                info["documents"] = (await self.client.count(index=self.alias))["count"]
        except Exception as exc:  # status must work while OpenSearch is down
            info["error"] = f"{type(exc).__name__}: {exc}"[:300]
        return info

    async def _own_indices(self) -> list[str]:
        """The indices this backend made (``<alias>-initial``, ``<alias>-<timestamp>``),
        behind the alias or not (a rebuild whose process died leaves one behind)."""
        rows = await self.client.cat.indices(index=f"{self.alias}-*", format="json",
                                             h="index", expand_wildcards="all")
        return sorted(r["index"] for r in rows if _OWN_INDEX.fullmatch(
            r["index"].removeprefix(f"{self.alias}-")))

    async def delete_all(self) -> None:
        """Remove the alias and every index this backend made (tests, and ``registry
        index``)."""
        for index in sorted({*await self._alias_targets(), *await self._own_indices()}):
            await self.client.indices.delete(index=index, ignore_unavailable=True)

    async def close(self) -> None:
        await self.client.close()
