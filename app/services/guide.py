"""The user guide (Hướng dẫn sử dụng): one per role, and which section explains each page.

The facts are data in app/data/guide.json (read once); the texts are templates under
templates/guide/. A page's «Hướng dẫn» link opens the section for that page in the guide of
the first of the user's roles whose guide has it."""
import json
from functools import cache
from pathlib import Path

from workflows.roles import ROLES

GUIDE_FILE = Path(__file__).resolve().parents[1] / "data" / "guide.json"
START = "bat-dau"  # every guide opens with it; the fallback section


@cache
def _data() -> dict:
    return json.loads(GUIDE_FILE.read_text(encoding="utf-8"))


def page_sections() -> dict[str, str]:
    """Endpoint -> the anchor of the section that explains its page."""
    return _data()["pages"]


def not_pages() -> dict[str, str]:
    """The pages' GET endpoints that answer no page (a file, a redirect), with why."""
    return _data()["not_pages"]


def roles() -> list[str]:
    """The roles with a guide, in the order the processes name them."""
    return [role for role in ROLES if role in _data()["roles"]]


def sections(role: str) -> list[tuple[str, str]]:
    """(anchor, title) of each section of ``role``'s guide, in order."""
    titles = _data()["titles"]
    return [(anchor, titles[anchor]) for anchor in _data()["roles"][role]]


def role_of(user_roles) -> str | None:
    """The role whose guide a user reads first: the first of theirs in the canonical order."""
    return next((role for role in roles() if role in user_roles), None)


def link(user_roles, endpoint: str | None) -> tuple[str | None, str]:
    """(role, anchor) that the «Hướng dẫn» link of ``endpoint``'s page opens for someone
    with ``user_roles``: the page's own section in the first of their guides that has it,
    else the start of their first guide."""
    anchor = page_sections().get(endpoint or "")
    held = [role for role in roles() if role in user_roles]
    for role in held:
        if anchor in _data()["roles"][role]:
            return role, anchor
    return (held[0] if held else None), START
