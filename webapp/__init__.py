"""Reciproca's entry points: the command line now; the web app, its API and websockets next."""
