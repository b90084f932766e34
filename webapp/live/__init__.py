"""The live record: the websocket endpoint (`socket.py`) and the hub that feeds it (`hub.py`)."""

from webapp.live.socket import live, start_hub


def init_live(flask_app) -> None:
    """Serve `/ws/groups/{gid}` from this app, fed by its projection runner."""
    start_hub(flask_app)
    flask_app.register_blueprint(live)
