"""Errors the user must act on.

Every message says what is wrong and what to do, and never holds a secret: callers build them
from values they control, and wrapped library exceptions are raised `from None` so their text
(which may quote URLs or headers) never reaches a traceback or a log.
"""

from __future__ import annotations


class IngestionError(Exception):
    """Base class: the run cannot go on until the user changes something."""

    # Whether running the same step again later may succeed without anyone changing anything
    # (an outage, a rate limit, a garbled answer). Orchestrators retry only these.
    retryable = False


class ConfigError(IngestionError):
    """A setting (environment variable or argument) is invalid."""


class RosterError(IngestionError):
    """The artists file is missing, empty or invalid."""


class InvalidArtistIdError(RosterError):
    """An artist id is malformed, or the API does not know it."""


class InvalidPlaylistIdError(RosterError):
    """A playlist id (or URI, or URL) in the roster is malformed."""


class SnapshotDateError(IngestionError):
    """The snapshot date is malformed, in the future, or in the past against the real API."""


class MixedDataSourceError(IngestionError):
    """The DATA_DIR already holds days of the other data source (sandbox vs real Spotify)."""


class StorageError(IngestionError):
    """The file system refused a write (disk full, read-only folder, permission denied)."""

    @classmethod
    def from_os_error(cls, error: OSError, path: object) -> StorageError:
        where = error.filename or path
        return cls(
            f"cannot write {where}: {error.strerror or error}. Free space or fix the folder's "
            "permissions, then run again (the published days are unchanged)."
        )


class MissingInputError(IngestionError):
    """A step needs a file an earlier step writes, and it is not there."""


class SpotifyApiError(IngestionError):
    """The API answered with an error the client cannot recover from."""

    def __init__(self, message: str, *, status: int | None = None, endpoint: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.endpoint = endpoint


class ApiUnavailableError(SpotifyApiError):
    """Transient failures (5xx, timeouts, dropped connections) outlasted every retry."""

    retryable = True


class MalformedResponseError(SpotifyApiError):
    """A response was not valid JSON, or lacked a field the pipeline needs."""

    retryable = True


class RateLimitError(SpotifyApiError):
    """A 429 asked for a longer wait than SPOTIFY_MAX_RETRY_AFTER allows."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float, reason: str | None, endpoint: str):
        super().__init__(message, status=429, endpoint=endpoint)
        self.retry_after = retry_after
        self.reason = reason


class AuthenticationError(SpotifyApiError):
    """The credentials were refused, or a fresh token was refused too."""


class ForbiddenError(SpotifyApiError):
    """HTTP 403: in practice, an endpoint a Development Mode app may not call."""


class NotFoundError(SpotifyApiError):
    """HTTP 404: the object does not exist (any more)."""


class TierError(IngestionError):
    """SPOTIFY_ACCESS_TIER says extended, but the API answers like Development Mode."""


class OpenSignalError(IngestionError):
    """An open-signal source (Deezer, Last.fm) cannot complete its day: its day stays
    unpublished, while Spotify's and the other sources' days go on."""

    retryable = True

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__(message)
        self.source = source


class OpenSignalQuotaError(OpenSignalError):
    """The source kept answering 'quota exceeded' after every wait."""


class OpenSignalRefusedError(OpenSignalError):
    """The source refused the requests themselves (an invalid or suspended key, a bad URL)."""

    retryable = False
