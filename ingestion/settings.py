"""Run settings, read from the environment or built by the caller (e.g. from an Airflow
connection).

`Settings(...)` takes every field as a keyword; `Settings.from_env(**overrides)` reads the
environment and lets the caller replace any field, which is how the Airflow layer passes the
connection's login and password without putting them in the environment.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ingestion.errors import ConfigError

SPOTIFY_API_BASE_URL = "https://api.spotify.com/v1/"
SPOTIFY_TOKEN_URL = "https://accounts.spotify.com/api/token"  # noqa: S105 - a URL
TIERS = ("auto", "extended", "development")
DEEZER_API_BASE_URL = "https://api.deezer.com/"
LASTFM_API_BASE_URL = "https://ws.audioscrobbler.com/2.0/"
OPEN_SIGNAL_SOURCES = ("deezer", "lastfm")

# Environment variable -> (field, parser). Parsers raise ValueError on bad input.
_ENV = {
    "SPOTIFY_CLIENT_ID": ("client_id", str),
    "SPOTIFY_CLIENT_SECRET": ("client_secret", str),
    "SPOTIFY_ACCESS_TIER": ("access_tier", str),
    "SPOTIFY_API_BASE_URL": ("api_base_url", str),
    "SPOTIFY_TOKEN_URL": ("token_url", str),
    "SPOTIFY_MAX_RETRY_AFTER": ("max_retry_after", float),
    "SPOTIFY_REQUESTS_PER_30S": ("requests_per_30s", int),
    "SPOTIFY_MAX_WORKERS": ("max_workers", int),
    "SPOTIFY_REQUEST_TIMEOUT": ("request_timeout", float),
    "SPOTIFY_MAX_ATTEMPTS": ("max_attempts", int),
    "SPOTIFY_BACKOFF_BASE": ("backoff_base", float),
    "OPEN_SIGNALS": ("open_signals", str),
    "DEEZER_API_BASE_URL": ("deezer_api_base_url", str),
    "LASTFM_API_BASE_URL": ("lastfm_api_base_url", str),
    "LASTFM_API_KEY": ("lastfm_api_key", str),
    "LASTFM_REQUESTS_PER_SECOND": ("lastfm_requests_per_second", float),
    "DEEZER_REQUESTS_PER_5S": ("deezer_requests_per_5s", int),
}
SECRET_VARIABLES = ("SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "LASTFM_API_KEY")


@dataclass(frozen=True)
class Settings:
    client_id: str = ""
    # repr=False keeps the secret out of reprs, tracebacks' locals and log lines.
    client_secret: str = field(default="", repr=False)
    access_tier: str = "auto"
    api_base_url: str = SPOTIFY_API_BASE_URL
    token_url: str = SPOTIFY_TOKEN_URL
    max_retry_after: float = 60.0
    requests_per_30s: int = 150
    max_workers: int = 4
    request_timeout: float = 10.0
    # Attempts per request for transient failures (5xx, timeouts, dropped connections, bad JSON).
    max_attempts: int = 5
    # First backoff delay in seconds; doubles per attempt, with jitter. Tests set it near 0.
    backoff_base: float = 1.0
    # Open popularity signals (docs/interfaces.md section 3): `auto` = Deezer, and Last.fm when
    # a key is set (both against the sandbox); `off`; or a comma-separated list of sources.
    open_signals: str = "auto"
    deezer_api_base_url: str = DEEZER_API_BASE_URL
    lastfm_api_base_url: str = LASTFM_API_BASE_URL
    lastfm_api_key: str = field(default="", repr=False)
    lastfm_requests_per_second: float = 5.0
    # Deezer's documented quota; raise it only for a proxy with its own (the offline sandbox).
    deezer_requests_per_5s: int = 50

    def __post_init__(self) -> None:
        tier = (self.access_tier or "auto").strip().lower()
        object.__setattr__(self, "access_tier", tier)
        if tier not in TIERS:
            raise ConfigError(
                f"SPOTIFY_ACCESS_TIER={self.access_tier!r} is not one of {', '.join(TIERS)}: "
                "set it to auto (detect), extended or development."
            )
        # spotipy joins the prefix and a relative path, so the base URL must end with '/'.
        for url_field in ("api_base_url", "deezer_api_base_url", "lastfm_api_base_url"):
            if not getattr(self, url_field).endswith("/"):
                object.__setattr__(self, url_field, getattr(self, url_field) + "/")
        self.open_signal_sources(sandbox=True)  # validates OPEN_SIGNALS
        positive = {
            "SPOTIFY_REQUESTS_PER_30S": self.requests_per_30s,
            "SPOTIFY_MAX_WORKERS": self.max_workers,
            "SPOTIFY_REQUEST_TIMEOUT": self.request_timeout,
            "SPOTIFY_MAX_ATTEMPTS": self.max_attempts,
            "LASTFM_REQUESTS_PER_SECOND": self.lastfm_requests_per_second,
            "DEEZER_REQUESTS_PER_5S": self.deezer_requests_per_5s,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(f"{name}={value} must be greater than 0: fix or unset it.")
        for name, value in {
            "SPOTIFY_MAX_RETRY_AFTER": self.max_retry_after,
            "SPOTIFY_BACKOFF_BASE": self.backoff_base,
        }.items():
            if value < 0:
                raise ConfigError(f"{name}={value} must not be negative: fix or unset it.")
        if bool(self.client_id) != bool(self.client_secret):
            missing = "SPOTIFY_CLIENT_SECRET" if self.client_id else "SPOTIFY_CLIENT_ID"
            raise ConfigError(
                f"{missing} is not set while the other credential is: set both (real API) "
                "or neither (offline sandbox)."
            )

    @property
    def has_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def open_signal_sources(self, *, sandbox: bool) -> tuple[str, ...]:
        """The open-signal sources this run extracts: `auto` is both against the sandbox, and
        Deezer (keyless) plus Last.fm when LASTFM_API_KEY is set against the real services."""
        raw = (self.open_signals or "auto").strip().lower()
        if raw == "off":
            return ()
        if raw == "auto":
            return OPEN_SIGNAL_SOURCES if sandbox or self.lastfm_api_key else ("deezer",)
        names = [n.strip() for n in raw.split(",") if n.strip()]
        unknown = [n for n in names if n not in OPEN_SIGNAL_SOURCES]
        if unknown or not names:
            raise ConfigError(
                f"OPEN_SIGNALS={self.open_signals!r} is not auto, off or a comma-separated list "
                f"of {', '.join(OPEN_SIGNAL_SOURCES)}: fix or unset it."
            )
        if "lastfm" in names and not sandbox and not self.lastfm_api_key:
            raise ConfigError(
                "OPEN_SIGNALS names lastfm but LASTFM_API_KEY is not set: get a free key at "
                "last.fm/api/account/create and set it, or leave lastfm out of OPEN_SIGNALS."
            )
        return tuple(n for n in OPEN_SIGNAL_SOURCES if n in names)

    def __repr__(self) -> str:
        # The dataclass repr already skips client_secret; say that one is set, not what it is.
        fields = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.repr
        )
        secret = "'***'" if self.client_secret else "''"
        key = "'***'" if self.lastfm_api_key else "''"
        return f"Settings({fields}, client_secret={secret}, lastfm_api_key={key})"

    __str__ = __repr__

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_connection(cls, connection: Any, **overrides: Any) -> Settings:
        """From an Airflow connection (login = client id, password = secret; optional extras
        `access_tier`, `api_base_url`, `token_url`), the rest from the environment.

        Duck-typed, so this module does not import Airflow.
        """
        extra = getattr(connection, "extra_dejson", None) or {}
        values: dict[str, Any] = {
            "client_id": getattr(connection, "login", None) or "",
            "client_secret": getattr(connection, "password", None) or "",
        }
        for key in ("access_tier", "api_base_url", "token_url"):
            if extra.get(key):
                values[key] = extra[key]
        values.update(overrides)
        return cls.from_env(**values)

    def with_lastfm_connection(self, connection: Any) -> Settings:
        """The Last.fm key from an Airflow connection (e.g. `lastfm_default`: password = the
        key; optional extra `api_base_url`), like `spotify_default` for Spotify. Duck-typed."""
        extra = getattr(connection, "extra_dejson", None) or {}
        changes: dict[str, Any] = {}
        if getattr(connection, "password", None):
            changes["lastfm_api_key"] = connection.password
        if extra.get("api_base_url"):
            changes["lastfm_api_base_url"] = extra["api_base_url"]
        return self.replace(**changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read the SPOTIFY_* variables (empty = default); keyword overrides win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, (attr, parse) in _ENV.items():
            raw = (env.get(name) or "").strip()
            if not raw:
                continue
            try:
                values[attr] = parse(raw)
            except ValueError:
                # Never echo the credentials' values; the others are safe to show.
                shown = "" if name in SECRET_VARIABLES else f"={raw!r}"
                raise ConfigError(
                    f"{name}{shown} is not a valid {parse.__name__}: fix or unset it."
                ) from None
        values.update(overrides)
        return cls(**values)
