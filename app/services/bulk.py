"""Set-based writes: one INSERT … SELECT instead of a row at a time."""
import sqlalchemy as sa

from app.extensions import db


def insert_from(model, columns: dict, query=None):
    """INSERT INTO ``model`` one row per row of ``query`` (a select whose FROM and WHERE
    give the rows; its columns are replaced): ``columns`` maps column names to SQL
    expressions over it, and every other column with a Python-side default gets that
    default, which an INSERT … SELECT would not run. Returns the number of rows."""
    values = dict(columns)
    for column in model.__table__.columns:
        default = column.default
        if column.primary_key or column.name in values or default is None:
            continue
        value = default.arg(None) if default.is_callable else default.arg
        values[column.name] = sa.literal(value, column.type)
    select = (query if query is not None else sa.select()).with_only_columns(
        *values.values(), maintain_column_froms=True)
    result = db.session.execute(sa.insert(model).from_select(list(values), select))
    return result.rowcount
