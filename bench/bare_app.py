"""The HTTP baseline: Flask and one bare `save()` of a new aggregate per POST, nothing else.

Served by gunicorn exactly as `reciproca serve` serves Reciproca (gthread), so the ratio between
the two measures what Reciproca adds: authentication, validation, the domain, the read models.
"""

import os

from flask import Flask, jsonify

from bench.votes import Ballot, Bare
from domain.settings import library_settings

app = Flask(__name__)
store = Bare(library_settings(os.environ["BENCH_DATABASE_URL"]))


@app.post("/vote")
def vote():
    recordings = store.save(Ballot("for"))
    return jsonify({"position": recordings[-1].notification.id}), 201
