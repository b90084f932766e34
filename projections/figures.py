"""A group's figures (power balance, principles, level) computed from its folded state.

The runner computes them once per page for each group the page touched and stores them beside the
state (`view_figures`), so a live read answers from one stored row instead of recomputing them per
request; a read `as_of` an earlier position computes them from the state refolded for it.
"""

from fractions import Fraction

from domain.vocabulary import CATEGORIES, PRINCIPLES, SIDES
from projections.fold import balance
from projections.level import assess
from projections.principles import evidenced, group_view, peer_network, principle_counts

FIGURES = ("membership", "agenda", "success", "role", "pivotal")


def number(value: Fraction | None) -> dict | None:
    return None if value is None else {"exact": str(value), "value": round(float(value), 4)}


def figures_of(state: dict) -> dict:
    """Every stored figure of `state`, under the rules that folded it (`model`); the level under
    the default thresholds."""
    figures = balance(state)
    return {"model": state["model"], "power_balance": power_balance_of(state, figures),
            "principles": principles_of(state),
            "level": level_of(state, None, figures)}


def power_balance_of(state: dict, figures: dict | None = None) -> dict:
    figures = figures or balance(state)
    return {
        "now": state["now"],
        **{level: {"balance_index": number(figures[level]["balance_index"]),
                   "shares": {key: {name: number(value) for name, value in row.items()}
                              for key, row in figures[level]["shares"].items()}}
           for level in ("categories", "sides")},
        "totals": {"role_seconds": figures["totals"]["role"] / 1_000_000,
                   **{k: v for k, v in figures["totals"].items() if k != "role"}},
        "trace": {"figures": list(FIGURES), "keys": list(CATEGORIES) + list(SIDES)},
    }


def principles_of(state: dict) -> dict:
    """Per principle its count, whether it is evidenced and the members' own view (the latest
    evidence items are read beside it), and the peer network."""
    own = group_view(state["principles"]["reflections"])
    counts, found = principle_counts(state["principles"]), evidenced(state["principles"])
    result = {principle: {"count": counts[principle], "evidenced": found[principle],
                          "reflections": {**own[principle], "mean": number(own[principle]["mean"])}}
              for principle in PRINCIPLES}
    result["reciprocity"]["giving"] = dict(state["principles"]["giving"])
    network = peer_network(state["principles"], state["membership"]["members"])
    return {"principles": result, "peer_network": number(network.pop("share")),
            "peer_network_members": network}


def level_of(state: dict, thresholds: dict | None, figures: dict | None = None) -> dict:
    return {"now": state["now"], **assess(state, figures or balance(state), thresholds)}
