"""The ceiling the app is measured against, on the same stack and database: a minimal
Flask + Flask-SQLAlchemy app with a hello endpoint and a one-row-insert endpoint."""
import os

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"].replace(
    "postgresql://", "postgresql+psycopg://", 1)
db = SQLAlchemy(app)


class Row(db.Model):
    __tablename__ = "bench_ceiling_rows"
    id = sa.Column(sa.Integer, primary_key=True)
    note = sa.Column(sa.String(64), nullable=False)


with app.app_context():
    db.create_all()  # a scratch table of the benchmark's own database


@app.get("/hello")
def hello():
    return {"ok": True}


@app.post("/insert")
def insert():
    db.session.add(Row(note="ceiling"))
    db.session.commit()
    return {"ok": True}
