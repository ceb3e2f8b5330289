"""httpx failures → SourceError subclasses whose message names the URL and the setting to fix.

Shared by both HTTP paths of the energy stage: the Prometheus client and the direct-scrape collector.
"""

from __future__ import annotations

import ssl

import httpx

from carbon_kepler.core.errors import SourceError, SourceUnreachable, TLSVerifyError


def translate_http_error(exc: httpx.HTTPError, url: str, *, setting: str) -> SourceError:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return TLSVerifyError(
                f"TLS certificate of {url} could not be verified ({cause.verify_message})",
                hint="pass the cluster CA with --ca-file PATH, or --insecure to skip verification (not recommended)",
            )
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.TimeoutException):
        return SourceUnreachable(
            f"{url} did not answer in time", hint=f"check {setting} and that the server is up"
        )
    return SourceUnreachable(
        f"cannot reach {url} ({type(exc).__name__}: {exc})", hint=f"check {setting} and that the server is up"
    )
