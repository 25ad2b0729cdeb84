"""Settings from the environment (``REGISTRY_*``), read once and passed down explicitly."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from search.options import SearchOptions

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("transparency-registry"))


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(value: str) -> int:
    """Seconds in ``3600``, ``90m``, ``6h`` or ``1d``; empty or ``0``: off."""
    value = value.strip().lower()
    if not value:
        return 0
    if value[-1] in _UNITS:
        return int(float(value[:-1]) * _UNITS[value[-1]])
    return int(value)


def parse_networks(value: str, name: str = "REGISTRY_TRUSTED_PROXIES") -> tuple[Network, ...]:
    """CIDR networks or single addresses, separated by commas or spaces."""
    networks: list[Network] = []
    for part in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ValueError(f"{name}: {part!r} is neither an address nor a CIDR "
                             "network (e.g. 10.0.0.0/8, 2001:db8::/32)") from exc
    return tuple(networks)


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None = None
    opensearch_url: str | None = None
    data_dir: Path = field(default_factory=_default_data_dir)
    secret_key: str = ""
    log_level: str = "INFO"
    log_json: bool = True
    # Prefix for OpenSearch index and alias names, so that test runs and several
    # registries can share one cluster.
    index_prefix: str = "registry"
    # Background outbox worker inside ``serve``.
    sync_worker: bool = True
    returns_period_months: int = 6
    returns_due_days: int = 30  # a return is due this many days after its period ends
    # A lobbyist whose public office ended less than this long ago is a "revolving door".
    revolving_door_months: int = 24
    access_token_minutes: int = 60
    # "Who is behind a contract" lists donations made this many years before the award.
    donations_years: int = 5
    # Published snapshots (``registry publish``, ``/downloads/``); ``serve`` publishes every
    # ``publish_every`` seconds when it is set (0: never).
    publish_dir: Path | None = None
    publish_every: int = 0
    publish_keep: int = 3
    # The change feed keeps this many days; publishing trims it (registry/changes/retention.py).
    changes_keep_days: int = 365

    # In-process cache of public answers, per serving process (0: validators only).
    http_cache_mb: int = 64
    # Total time of one live export (/api/v1/exports/..., BODS, OCDS) and of one file
    # download (/downloads/...), however slowly the client reads (registry/api/deadline.py).
    export_max_seconds: int = 1800
    download_max_seconds: int = 6 * 3600
    # Reverse proxies whose X-Forwarded-For names the client (registry/api/client_address.py).
    trusted_proxies: tuple[Network, ...] = ()

    @property
    def downloads_dir(self) -> Path:
        return self.publish_dir or self.data_dir / "downloads"

    @property
    def search_options(self) -> SearchOptions:
        """What ``search/`` is told of this deployment."""
        return SearchOptions(opensearch_url=self.opensearch_url,
                             index_prefix=self.index_prefix)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = env.get("REGISTRY_DATA_DIR")
        secret = env.get("REGISTRY_SECRET_KEY") or ""
        return cls(
            database_url=env.get("REGISTRY_DATABASE_URL") or None,
            opensearch_url=env.get("REGISTRY_OPENSEARCH_URL") or None,
            data_dir=Path(data_dir).expanduser() if data_dir else _default_data_dir(),
            secret_key=secret,
            log_level=env.get("REGISTRY_LOG_LEVEL", "INFO").upper(),
            log_json=env.get("REGISTRY_LOG_FORMAT", "json").lower() != "console",
            index_prefix=env.get("REGISTRY_INDEX_PREFIX", "registry"),
            sync_worker=env.get("REGISTRY_SYNC_WORKER", "1") not in {"0", "false", "no"},
            returns_period_months=int(env.get("REGISTRY_RETURNS_PERIOD_MONTHS", "6")),
            returns_due_days=int(env.get("REGISTRY_RETURNS_DUE_DAYS", "30")),
            revolving_door_months=int(env.get("REGISTRY_REVOLVING_DOOR_MONTHS", "24")),
            access_token_minutes=int(env.get("REGISTRY_ACCESS_TOKEN_MINUTES", "60")),
            donations_years=int(env.get("REGISTRY_DONATIONS_YEARS", "5")),
            publish_dir=Path(env["REGISTRY_PUBLISH_DIR"]).expanduser()
            if env.get("REGISTRY_PUBLISH_DIR") else None,
            publish_every=parse_interval(env.get("REGISTRY_PUBLISH_EVERY", "")),
            publish_keep=int(env.get("REGISTRY_PUBLISH_KEEP", "3")),
            changes_keep_days=int(env.get("REGISTRY_CHANGES_KEEP_DAYS", "365")),
            http_cache_mb=int(env.get("REGISTRY_HTTP_CACHE_MB", "64")),
            export_max_seconds=parse_interval(env.get("REGISTRY_EXPORT_MAX_SECONDS", "30m")),
            download_max_seconds=parse_interval(env.get("REGISTRY_DOWNLOAD_MAX_SECONDS", "6h")),
            trusted_proxies=parse_networks(env.get("REGISTRY_TRUSTED_PROXIES", "")),
        )

    def effective_secret_key(self) -> str:
        """The configured key, or one kept in the data directory for the embedded default.

        A laptop install must not need configuration, but tokens must survive a restart,
        so the generated key is stored next to the embedded database (mode 0600). It is
        written whole to a temporary file and then linked into place, which fails if another
        process got there first: a reader sees no key file or a complete one, never half of
        one, and two processes starting at once end up with the same key.
        """
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        existing = _read_key(path)
        if existing:
            return existing
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd, tmp = tempfile.mkstemp(prefix=".secret_key.", dir=self.data_dir)
        try:
            with os.fdopen(fd, "w") as fh:  # mkstemp: mode 0600
                fh.write(key)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                current = _read_key(path)
                if current:
                    return current  # another process won: its key is whole
                # Linked keys are never empty: an empty file was left by an older version
                # that crashed mid-write, and is replaced. (Whether the file was there is
                # only known here: a check before writing races with the process that
                # links its key in between.)
                os.replace(tmp, path)
                return _read_key(path) or key
            return key
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _read_key(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""
