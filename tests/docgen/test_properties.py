"""Every paper's file properties are its own: the trích yếu as title, the issuing body as
author, the moment of generation as created and modified; nothing of python-docx's
template (2013, "Microsoft Macintosh Word")."""
import io
import zipfile
from datetime import UTC, date

import pytest

from tests.docgen.support import document, open_docx, scenario, utc_at

pytestmark = pytest.mark.storage  # run again with S3 by `make test-s3`

ISSUERS = {
    ("campaign", "launch"): "Ủy ban nhân dân tỉnh Lạng Sơn",
    ("plan", "plan"): "Sở Y tế",
    ("dossier", "proposal"): "Sở Y tế",
    ("dossier", "minutes"): "Sở Y tế",
    ("decision", "proposal"): "Sở Nội vụ",
    ("decision", "decision"): "Ủy ban nhân dân tỉnh Lạng Sơn",
}


def test_every_paper_says_who_issued_it_and_when_it_was_made(world, frozen):
    on = date(2027, 2, 5)
    frozen(utc_at(on))
    s = scenario(world, launch_type="cong_van")
    items = {"campaign": s.campaign, "plan": s.plan, "dossier": s.syt, "decision": s.decision}
    made = utc_at(on).replace(tzinfo=UTC)
    for (kind, name), issuer in [*ISSUERS.items(), (("decision", "certificates"), None)]:
        data = document(kind, items[kind], name)[0]
        app_xml = zipfile.ZipFile(io.BytesIO(data)).read("docProps/app.xml").decode("utf-8")
        assert "Macintosh" not in app_xml and "Thi đua - Khen thưởng" in app_xml, (kind, name)
        props = open_docx(data).core_properties
        assert props.created == props.modified == made, (kind, name, props.created)
        if issuer is not None:  # the certificates' layout is laid out elsewhere (render)
            assert props.author == issuer, (kind, name, props.author)
            assert f"<Company>{issuer}</Company>" in app_xml
            assert props.title and not props.title.startswith("DỰ THẢO"), (kind, name)
    launch = open_docx(document("campaign", s.campaign, "launch")[0]).core_properties
    assert launch.title.startswith("V/v phát động")  # a công văn's trích yếu
    decision = open_docx(document("decision", s.decision, "decision")[0]).core_properties
    assert decision.title.startswith("Về việc tặng")
