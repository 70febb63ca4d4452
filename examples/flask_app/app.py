"""A minimal Flask app, served by gunicorn (see Procfile)."""
import os
import sys

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!\n"


@app.route("/python")
def python():
    return {"version": sys.version.split()[0], "prefix": sys.prefix, "pid": os.getpid()}
