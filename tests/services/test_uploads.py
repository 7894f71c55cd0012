"""Zip-based uploads (docx, xlsx, odt) are checked for member count and expanded size,
not only their first bytes (issue 10 #13)."""
import io
import zipfile

import pytest

from app.models import Dossier
from app.services import dossiers, storage
from app.services.errors import Invalid
from tests import helpers

pytestmark = pytest.mark.storage  # run again with S3 by `make test-s3`


def _zip(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def _docx_like():
    return _zip([("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>" * 50)])


def test_a_zip_bomb_renamed_docx_is_refused(world, campaign):
    bomb = _zip([("word/document.xml", b"\0" * (storage.ZIP_MAX_EXPANDED + 1))])
    assert len(bomb) < 1024 * 1024  # small on the wire
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    with pytest.raises(Invalid, match="giải nén quá lớn"):
        dossiers.add_attachment(world.users["staff_a"], dossier.id, "to_trinh",
                                helpers.Upload(bomb, "to-trinh.docx"))
    assert dossier.attachments == []


def test_a_member_that_expands_far_beyond_its_size_is_refused_even_if_the_directory_lies(ctx):
    data = bytearray(_zip([("word/document.xml", b"\0" * (50 * 1024 * 1024))]))
    # the central directory claims a small size; reading finds the truth
    real = 50 * 1024 * 1024
    data = data.replace(real.to_bytes(4, "little"), (1000).to_bytes(4, "little"))
    with pytest.raises(Invalid, match="Tệp «.docx» không hợp lệ"):
        storage._check_zip(bytes(data), "docx")


@pytest.mark.parametrize("ext", ["docx", "xlsx", "odt"])
def test_too_many_members_or_a_broken_archive_is_refused(ctx, ext):
    many = _zip([(f"m{i}.xml", "x") for i in range(storage.ZIP_MAX_MEMBERS + 1)])
    with pytest.raises(Invalid, match="quá nhiều thành phần"):
        storage._check_zip(many, ext)
    with pytest.raises(Invalid, match="bị hỏng"):
        storage._check_zip(b"PK\x03\x04" + b"\0" * 100, ext)


def test_a_real_office_document_is_accepted(world, campaign):
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    attachment = dossiers.add_attachment(world.users["staff_a"], dossier.id, "to_trinh",
                                         helpers.Upload(_docx_like(), "to-trinh.docx"))
    assert attachment.filename == "to-trinh.docx"
