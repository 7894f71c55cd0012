"""Tests that need a program or a service of the machine (Chromium, LibreOffice, poppler,
nginx, systemd-analyze, Redis) call ``missing`` when it is not there.

On a developer's machine that skips the test. Under ``TDKT_REQUIRE_TOOLS=1`` (exported by
.ci/run, whose `make test` installs the tools) it fails instead: a CI run must not pass
with whole folders of tests silently skipped because an install step broke."""
import os

import pytest

SWITCH = "TDKT_REQUIRE_TOOLS"


def required() -> bool:
    return os.environ.get(SWITCH, "") not in ("", "0")


def missing(reason: str):
    """Skip (locally) or fail (TDKT_REQUIRE_TOOLS=1) the running test for ``reason``."""
    if required():
        pytest.fail(f"{reason} ({SWITCH}=1: a missing tool is a failure)", pytrace=False)
    pytest.skip(reason)
