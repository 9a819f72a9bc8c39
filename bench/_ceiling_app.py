"""The stack's own ceiling for bench_record_purchase: a Flask endpoint that parses the same JSON
body and answers 201 with nothing else (no database, no auth), served by the same gunicorn."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/api/v1/t/<tenant>/purchases")
def record(tenant):
    body = request.get_json()
    return jsonify(external_id=body["external_id"]), 201
