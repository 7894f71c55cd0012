"""A test whose tool is missing skips on a developer's machine and fails in CI, where .ci/run
sets TDKT_REQUIRE_TOOLS=1 (tests/tools.py)."""
from pathlib import Path

import pytest

from tests.tools import SWITCH, missing

ROOT = Path(__file__).resolve().parent.parent


def test_a_missing_tool_skips_on_a_developers_machine(monkeypatch):
    monkeypatch.delenv(SWITCH, raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium is missing"):
        missing("chromium is missing")


def test_a_missing_tool_fails_when_tools_are_required(monkeypatch):
    monkeypatch.setenv(SWITCH, "1")
    with pytest.raises(pytest.fail.Exception, match="chromium is missing.*TDKT_REQUIRE_TOOLS"):
        missing("chromium is missing")


def test_ci_requires_the_tools():
    script = (ROOT / ".ci" / "run").read_text()
    lines = [line.strip() for line in script.splitlines()]
    assert f"export {SWITCH}=1" in lines
    # set before the tests run
    assert lines.index(f"export {SWITCH}=1") < lines.index("make test")
