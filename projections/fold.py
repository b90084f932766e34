"""The composite fold: one group's state after each of its events, and what each event changed.

One state per group holds the membership, the power-balance counts and the principle evidence
state; the work per event is bounded by the group's size, never by its history. The figure folds
see the membership as it was before the event; the membership is folded last.

The state records the version of the rules that folded it (`model`): evidence and levels are read
models, so when a rule changes the views are rebuilt from the log (`reciproca rebuild`), and a
state folded under other rules is refused rather than folded on into figures mixing both.
"""

from dataclasses import dataclass

from projections.events import effective_time
from projections.membership import fold_membership, new_membership
from projections.power import fold_power, new_power, power_balance
from projections.principles import fold_principles, new_principles

MODEL = 4  # the rules of docs/metrics.md as of 2026-11-30, and who audits each group (for the
# list of a person's groups); raise it whenever a fold changes


class StaleViews(RuntimeError):
    """The stored read models were folded by other rules than this version's."""


@dataclass(frozen=True)
class Folded:
    entry: dict  # the record entry: the event view with the group's `seq` and effective time
    traces: list  # (figure, category, position): the events behind power-balance figures
    evidence: list  # new principle evidence items
    series: dict | None  # the balance after a closed decision, for charts over time


def new_group_state() -> dict:
    return {"model": MODEL, "seq": 0, "now": None, "closed": 0, "membership": new_membership(),
            "power": new_power(), "principles": new_principles()}


def checked(state: dict) -> dict:
    if state.get("model") != MODEL:
        raise StaleViews("the read models were built by another version of Reciproca's rules; "
                         "run `reciproca rebuild` to fold the record again")
    return state


def fold_event(state: dict, event: dict) -> Folded:
    checked(state)
    event = {**event, "time": effective_time(event["time"], state["now"])}
    state["seq"] += 1
    state["now"] = event["time"]
    evidence = fold_principles(state["principles"], event, state["membership"])
    traces = fold_power(state["power"], event, state["membership"]["members"], event["time"])
    fold_membership(state["membership"], event)
    series = None
    if event["type"] == "Closed":
        state["closed"] += 1
        series = series_point(state, event["position"])
    return Folded({**event, "seq": state["seq"]}, traces, evidence, series)


def balance(state: dict) -> dict:
    return power_balance(state["power"], state["membership"]["members"], state["now"])


def series_point(state: dict, position: int) -> dict:
    """The balance indices and the influence and membership shares, as fraction strings."""
    figures = balance(state)
    point = {"position": position, "time": state["now"]}
    for level in ("categories", "sides"):
        point[level] = {
            "balance_index": _text(figures[level]["balance_index"]),
            "shares": {key: {"influence": _text(row["influence"]),
                             "membership": _text(row["membership"])}
                       for key, row in figures[level]["shares"].items()}}
    return point


def _text(value) -> str | None:
    return None if value is None else str(value)
