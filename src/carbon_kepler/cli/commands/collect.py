"""`carbon-kepler collect`: scrape Kepler /metrics directly into the local store (no Prometheus)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from carbon_kepler.cli import options as o
from carbon_kepler.cli.common import settings_from_flags
from carbon_kepler.cli.output import err_console
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.period import parse_duration
from carbon_kepler.energy.scrape import collector as c
from carbon_kepler.energy.store import Store

log = logging.getLogger(__name__)


def _interval(text: str) -> float:
    text = text.strip()
    if text.endswith("s") and text[:-1].isdigit() and int(text[:-1]) > 0:
        return float(text[:-1])
    return float(parse_duration(text))


def collect(
    kepler_url: Annotated[
        list[str], typer.Option("--kepler-url", help="Kepler /metrics URL; repeat for each node")
    ],
    interval: Annotated[str, typer.Option("--interval", help="Scrape interval, e.g. 15s")] = "15s",
    store: o.StorePath = None,
    token: o.Token = None,
    token_file: o.TokenFile = None,
    ca_file: o.CaFile = None,
    insecure: o.Insecure = None,
    config: o.Config = None,
    scrapes: Annotated[
        int | None, typer.Option("--scrapes", help="Stop after N rounds (default: run until stopped)")
    ] = None,
) -> None:
    """Poll Kepler endpoints and integrate their counters into hourly energy in the local store."""
    settings = settings_from_flags(locals())
    for url in kepler_url:
        if not url.startswith(("http://", "https://")):
            raise InputError(
                f"--kepler-url {url!r} must start with http:// or https://",
                hint="e.g. https://NODE_IP:30443/metrics",
            )
    secs = _interval(interval)
    settings.store.parent.mkdir(parents=True, exist_ok=True)
    st = Store.open(settings.store, create=True)
    token_value = settings.token or (settings.token_file.read_text().strip() if settings.token_file else None)
    opts = c.HttpOptions(
        bearer_token=token_value,
        ca_file=str(settings.ca_file) if settings.ca_file else None,
        insecure=settings.insecure,
    )
    if settings.insecure:
        log.warning("TLS verification is OFF (--insecure)")
    err_console.print(
        f"collecting {len(kepler_url)} endpoint(s) every {secs:g}s into {settings.store} (Ctrl-C to stop)"
    )
    with c.make_http_client(opts) as client:
        try:
            ok = c.run(c.Collector(st), kepler_url, client, interval_s=secs, max_scrapes=scrapes)
        except KeyboardInterrupt:
            ok = -1
    err_console.print("stopped" if ok < 0 else f"done: {ok} round(s)", soft_wrap=True)
