"""The one exception tree. Every interface catches `CarbonKeplerError` in exactly one place.

    CarbonKeplerError
    ├── ConfigError          settings or organisation config is wrong (names file/key/allowed values)
    ├── DataFileError        a packaged/overriding data file is broken (names the field path)
    ├── InputError           a user argument is wrong (names the argument and the fix)
    ├── SourceError          a data source failed
    │   ├── SourceUnreachable    cannot connect (names URL and the setting)
    │   ├── TLSVerifyError       certificate verification failed (names --ca-file / --insecure)
    │   └── NoKeplerData         reachable, but no kepler_* series
    └── StoreError           the local sqlite store is missing, locked or of another schema

Messages are one line, say what was wrong and how to fix it.
"""

from __future__ import annotations


class CarbonKeplerError(Exception):
    """Base of every error this package raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class ConfigError(CarbonKeplerError):
    pass


class DataFileError(CarbonKeplerError):
    pass


class InputError(CarbonKeplerError):
    pass


class SourceError(CarbonKeplerError):
    pass


class SourceUnreachable(SourceError):
    pass


class TLSVerifyError(SourceError):
    pass


class NoKeplerData(SourceError):
    pass


class StoreError(CarbonKeplerError):
    pass
