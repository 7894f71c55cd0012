"""Sổ đăng ký văn bản: numbers are taken at signing or issuance, never at drafting."""
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import NumberRegister


def take_number(issuer_unit_id: int, doc_type: str, year: int) -> int:
    """The next number of (issuer, type, year), inside the caller's transaction.

    The increment is a single UPDATE, so two issuers at once serialize on the row
    lock and get consecutive numbers; a new year starts a new row at 1.
    """
    bump = (
        sa.update(NumberRegister)
        .where(NumberRegister.issuer_unit_id == issuer_unit_id,
               NumberRegister.doc_type == doc_type, NumberRegister.year == year)
        .values(last_number=NumberRegister.last_number + 1)
        .returning(NumberRegister.last_number)
        .execution_options(synchronize_session=False)
    )
    with db.session.no_autoflush:  # the caller's item is saved once, at its own flush
        number = db.session.execute(bump).scalar()
    if number is not None:
        return number
    try:
        with db.session.begin_nested():
            db.session.add(NumberRegister(issuer_unit_id=issuer_unit_id, doc_type=doc_type,
                                          year=year, last_number=1))
        return 1
    except IntegrityError:
        # Someone opened the year's register first: take the next number from it.
        return db.session.execute(bump).scalar_one()
