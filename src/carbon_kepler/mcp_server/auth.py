"""Bearer-token auth for the HTTP transport: static tokens, stored hashed, compared in constant time.

Plugged into the SDK's token-verifier hook, so the SDK answers 401 (with its RFC 9728 resource
metadata pointer) before any MCP message is parsed or any data source is queried. Tokens come from a
file (e.g. a mounted Kubernetes Secret) or an environment variable, never from a flag or a tool call.

Token file: one token per line, optionally preceded by a client name (`ci-bot <token>`); a line may
hold `sha256:<hex>` instead of the token itself, so the file need not contain secrets; `#` comments.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from pydantic import ValidationError

from carbon_kepler.core.errors import ConfigError

MIN_TOKEN_CHARS = 16
_HASH_PREFIX = "sha256:"


@dataclass(frozen=True)
class TokenEntry:
    client_id: str
    digest: bytes  # SHA-256 of the token; the token itself is never kept


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class StaticTokenVerifier:
    """TokenVerifier over a fixed set of hashed tokens."""

    def __init__(self, entries: Iterable[TokenEntry]) -> None:
        self._entries = tuple(entries)
        if not self._entries:
            raise ConfigError(
                "HTTP auth is on but no token is configured",
                hint="add at least one token to the token file or variable",
            )

    async def verify_token(self, token: str) -> AccessToken | None:
        d = digest(token)
        match: str | None = None
        for entry in self._entries:  # no early exit: the time taken does not depend on which entry matches
            if hmac.compare_digest(entry.digest, d):
                match = entry.client_id
        if match is None:
            return None
        return AccessToken(token=f"{_HASH_PREFIX}{d.hex()[:12]}", client_id=match, scopes=[])


def parse_tokens(text: str, origin: str) -> list[TokenEntry]:
    """Entries of a token file or variable; errors name the origin and line, never the token."""
    entries: list[TokenEntry] = []
    for n, raw in enumerate(text.replace(",", "\n").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) > 2:
            raise ConfigError(f"{origin} line {n}: expected '[client-name] token'", hint="one token per line")
        name, secret = (parts[0], parts[1]) if len(parts) == 2 else (f"token-{len(entries) + 1}", parts[0])
        entries.append(TokenEntry(name, _entry_digest(secret, origin, n)))
    return entries


def _entry_digest(secret: str, origin: str, n: int) -> bytes:
    if secret.startswith(_HASH_PREFIX):
        try:
            d = bytes.fromhex(secret[len(_HASH_PREFIX) :])
        except ValueError:
            d = b""
        if len(d) != 32:
            raise ConfigError(f"{origin} line {n}: sha256: must be followed by 64 hex digits")
        return d
    if len(secret) < MIN_TOKEN_CHARS:
        raise ConfigError(
            f"{origin} line {n}: token shorter than {MIN_TOKEN_CHARS} characters",
            hint="generate one with `openssl rand -hex 32`",
        )
    return digest(secret)


def load_tokens(token_file: Path | None, env_value: str | None, env_name: str) -> list[TokenEntry]:
    entries: list[TokenEntry] = []
    if token_file is not None:
        try:
            text = token_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read token file {token_file}: {exc.strerror}", hint="check --auth-token-file"
            ) from exc
        entries += parse_tokens(text, str(token_file))
    if env_value:
        entries += parse_tokens(env_value, env_name)
    return entries


@dataclass(frozen=True)
class AuthConfig:
    verifier: StaticTokenVerifier
    settings: AuthSettings


def auth_config(entries: list[TokenEntry], resource_url: str, issuer_url: str | None = None) -> AuthConfig:
    """Verifier plus the SDK's resource-server settings (protected-resource metadata at /.well-known/...).

    Static tokens are not bound to a resource, so the verifier answers for this server alone
    (validate_token_resource=False); `issuer_url` names the authorisation server that hands them out,
    by default this server's own origin.
    """
    try:
        settings = AuthSettings(
            issuer_url=issuer_url or _origin(resource_url),
            resource_server_url=resource_url,
            validate_token_resource=False,
        )
    except ValidationError as exc:
        raise ConfigError(
            f"invalid auth URL: {exc.errors()[0]['msg']}", hint="check --public-url and --auth-issuer-url"
        ) from exc
    return AuthConfig(StaticTokenVerifier(entries), settings)


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
