"""Composed content (``FormalDocument`` or a list of ``Certificate``) as JSON, kept in the
final DOCX's row so its preview shows what was kept, not what the records say later."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

from app.docgen.model import (
    Appendix,
    Certificate,
    FormalDocument,
    Letterhead,
    ListSection,
    Para,
    Signature,
)


def dumps(content) -> str:
    if isinstance(content, list):
        data = {"certificates": [asdict(c) for c in content]}
    else:
        data = {"formal": asdict(content)}
        at = content.generated_at
        data["formal"]["generated_at"] = at.isoformat() if at else None
    return json.dumps(data, ensure_ascii=False)


def _signature(d):
    return Signature(authority=tuple(d["authority"]), name=d["name"]) if d else None


def loads(data: str):
    raw = json.loads(data)
    if "certificates" in raw:
        return [Certificate(**{**c, "signature": _signature(c["signature"])})
                for c in raw["certificates"]]
    d = raw["formal"]
    appendix = d["appendix"]
    if appendix:
        appendix = Appendix(title=appendix["title"], subtitle=appendix["subtitle"],
                            reference=appendix["reference"],
                            sections=tuple(ListSection(s["heading"], tuple(s["entries"]))
                                           for s in appendix["sections"]))
    head = d["letterhead"]
    return FormalDocument(**{
        **d,
        "letterhead": Letterhead(**{**head, "issuer": tuple(head["issuer"])}),
        "body": tuple(Para(**p) for p in d["body"]),
        "signature": _signature(d["signature"]),
        "left_signature": _signature(d["left_signature"]),
        "recipients": tuple(d["recipients"]), "addressees": tuple(d["addressees"]),
        "appendix": appendix,
        "generated_at": datetime.fromisoformat(d["generated_at"]) if d["generated_at"] else None,
    })
