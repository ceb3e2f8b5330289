"""carbon-kepler: per-workload energy, carbon and Korean compliance from Kepler measurements."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("carbon-kepler-mcp")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
