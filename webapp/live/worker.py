"""The gunicorn worker `reciproca serve` uses: gthread, closing the websockets when told to stop.

gunicorn's threaded worker waits (up to its graceful timeout) for requests in progress before it
exits, and a websocket is a request that never ends by itself: on SIGTERM the hub closes every
socket cleanly first (close code 1001, "going away"), so browsers reconnect to another process
and the worker exits at once.
"""

from gunicorn.workers.gthread import ThreadWorker


class LiveWorker(ThreadWorker):
    def handle_exit(self, sig, frame):
        super().handle_exit(sig, frame)
        hub = getattr(self, "wsgi", None) and self.wsgi.extensions.get("reciproca_live")
        if hub is not None:
            hub.close_all()
