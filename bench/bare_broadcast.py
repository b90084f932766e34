"""The fan-out baseline: flask-sock under gunicorn's gthread worker, as `reciproca serve` runs,
and a POST that hands one message to every open socket's own sender (one thread per socket, as
Reciproca's hub does). Nothing else: no authentication, no store, no read models."""

import queue
import threading

from flask import Flask, jsonify, request
from flask_sock import Sock

app = Flask(__name__)
sock = Sock(app)
outboxes: set[queue.Queue] = set()
guard = threading.Lock()


@sock.route("/ws")
def subscribe(ws):
    outbox = queue.Queue()
    with guard:
        outboxes.add(outbox)
    try:
        while True:
            ws.send(outbox.get())
    finally:
        with guard:
            outboxes.discard(outbox)


@app.get("/sockets")
def sockets():
    """How many sockets have a sender: a client is connected before its sender is registered."""
    with guard:
        return jsonify({"sockets": len(outboxes)})


@app.post("/broadcast")
def broadcast():
    message = request.get_data(as_text=True)
    with guard:
        chosen = list(outboxes)
    for outbox in chosen:
        outbox.put(message)
    return jsonify({"sockets": len(chosen)}), 201
