"""Skip-or-fail for tests that need a real system service (Prometheus, Chromium, ...).

On a developer's laptop a missing service skips the test; under CI (env ``CI=true``),
where ``.ci/run`` installs everything, a missing service is a failure, so a broken
install step can never turn into a silently green run.
"""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require(what: str, available: bool, how: str) -> None:
    """Skip (laptop) or fail (CI=true) the calling test when ``what`` is not available."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{what} is required in CI but missing: {how}", pytrace=False)
    pytest.skip(f"{what} not available on this machine ({how}); CI installs it")


def which_or_require(binary: str, how: str) -> str:
    """Absolute path of ``binary`` on PATH, or skip/fail the test via :func:`require`."""
    path = shutil.which(binary)
    require(binary, path is not None, how)
    assert path is not None  # require() does not return when it is missing
    return path
