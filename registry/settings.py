"""Settings from the environment (``REGISTRY_*``), read once and passed down explicitly."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("transparency-registry"))


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
    # In-process cache of public answers, per serving process (0: validators only).
    http_cache_mb: int = 64

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
            http_cache_mb=int(env.get("REGISTRY_HTTP_CACHE_MB", "64")),
        )

    def effective_secret_key(self) -> str:
        """The configured key, or one kept in the data directory for the embedded default.

        A laptop install must not need configuration, but tokens must survive a restart,
        so the generated key is stored next to the embedded database (mode 0600).
        """
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key
