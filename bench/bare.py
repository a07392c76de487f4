"""The baseline: a bare Flask JSON endpoint, served by the same gunicorn settings as Linli."""
from flask import Flask, jsonify


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/json")
    def hello():
        return jsonify(message="hello", items=[1, 2, 3])

    return app
