"""Read models: pure, deterministic folds over the group's events, and the runner that feeds them.

Imports `domain`, never `webapp`. The same events give the same figures in any process.
"""
