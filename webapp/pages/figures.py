"""The figures pages: power balance (with the events behind each number), principles, level, and
the audit view that shows the record and every figure as of any position of the log."""

from fractions import Fraction

from flask import abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from domain.errors import NotFound
from domain.vocabulary import CATEGORIES, PRINCIPLES, SIDES
from projections import queries
from webapp import charts, i18n
from webapp.pages import pages
from webapp.pages.common import share, signed_in, whole_number
from webapp.pages.explain import condition_sentence, easy_examples, evidence_sentence
from webapp.pages.helpers import index
from webapp.pages.reading import Room, group_or_404, when
from webapp.services import services

SHARES = ("membership", "agenda", "success", "role", "pivotal", "influence")
TRACED = ("membership", "agenda", "success", "role", "pivotal")
AUDIT_ENTRIES = 100  # the record shown up to the chosen position: its latest entries


def _as_of() -> int | None:
    return whole_number(request.args.get("at")) or None


def power_figures(room: Room) -> dict:
    """The power balance with its two charts and a full table, every number linked to its
    events (as of the room's position)."""
    power = queries.power_balance(room.views, room.group_id, room.as_of)
    at = {"at": room.as_of} if room.as_of else {}

    def value(number, figure=None, key=None):
        href = (url_for("pages.trace_page", group_id=room.group_id, figure=figure, key=key, **at)
                if figure in TRACED else None)
        return charts.Value(None if number is None else number["value"],
                            share(number and number["exact"]), href)

    def bars(level, keys, labels, title, description):
        rows = [charts.Pair(key, str(labels[key]),
                            value(power[level]["shares"][key]["membership"], "membership", key),
                            value(power[level]["shares"][key]["influence"]))
                for key in keys]
        return charts.paired_bars(title=title, description=description, rows=rows,
                                  first=_("Membership"), second=_("Influence"),
                                  key_heading=_("Who"), chart_id=f"power-{level}")

    tables = {level: [{"key": key, "label": labels[key],
                       "cells": [value(power[level]["shares"][key][s], s, key) for s in SHARES]}
                      for key in keys]
              for level, keys, labels in (("sides", SIDES, i18n.SIDES),
                                          ("categories", CATEGORIES, i18n.CATEGORIES_PLURAL))}
    return {
        "power": power, "tables": tables, "shares": SHARES,
        "sides_chart": bars("sides", SIDES, i18n.SIDES, _("Membership and influence by side"),
                            _("For lived experience and for providers, the share of the members "
                              "beside the share of the influence.")),
        "categories_chart": bars("categories", CATEGORIES, i18n.CATEGORIES_PLURAL,
                                 _("Membership and influence by category"),
                                 _("For each category, the share of the members beside the "
                                   "share of the influence.")),
        "trend": _trend(room), "examples": easy_examples(power),
    }


def _trend(room: Room):
    points = queries.series(room.views, room.group_id, room.as_of)
    if not points:
        return None

    def value(text):
        number = None if text is None else {"value": float(Fraction(text))}
        return charts.Value(number and number["value"], index(number))

    return charts.line_chart(
        title=_("Balance index after each decision"),
        description=_("1 means influence matches membership exactly; 0 means one part holds "
                      "all the influence. One line between the two sides, one between the five "
                      "categories."),
        points=[when(p["time"])["exact"] for p in points], point_heading=_("Decision closed on"),
        lines=[charts.Line("sides", _("Between the sides"),
                           [value(p["sides"]["balance_index"]) for p in points]),
               charts.Line("categories", _("Between the categories"),
                           [value(p["categories"]["balance_index"]) for p in points])],
        chart_id="trend")


def principle_cards(room: Room) -> dict:
    found = queries.principles(room.views, room.group_id, room.as_of)
    cards = []
    for code in PRINCIPLES:
        principle = found["principles"][code]
        cards.append({
            "code": code, "label": i18n.PRINCIPLES[code], "count": principle["count"],
            "evidence": [{"sentence": evidence_sentence(item, room.names), "at": item["position"],
                       "positions": item["positions"]} for item in principle["items"]],
            "mean": principle["reflections"]["mean"],
            "reflections": principle["reflections"]["count"],
        })
    return {"cards": cards, "peer_network": found["peer_network"]}


def level_view(room: Room) -> dict:
    found = queries.level(room.views, room.group_id, room.as_of)
    return {"level": found["level"],
            "groups": [(stage, [{**c, "sentence": condition_sentence(c, room.names)}
                                for c in found["conditions"][stage]])
                       for stage in ("data", "support", "transformation")]}


def level_figures(room: Room) -> dict:
    return {"level": level_view(room)}


# Each live figures page: its partial template and what the partial is drawn from. The page and
# its live region are drawn by the same partial from the same function, so an update shows
# exactly what a reload would.
REGIONS = {"power": ("_power.html", power_figures),
           "principles": ("_principles.html", principle_cards),
           "level": ("_level.html", level_figures)}


def _figures_page(template: str, region: str, group_id: str):
    room = Room(group_id, signed_in(), _as_of())
    position = None if room.as_of else queries.folded_position(room.views, group_id)
    return render_template(template, room=room, region=region, position=position,
                           **REGIONS[region][1](room))


@pages.get("/groups/<group_id>/figures/<region>")
def figures_region(group_id: str, region: str):
    """The live region of a figures page, for its script: the partial's HTML in the page's
    language and reading mode, the position it is folded up to, and the sentence that announces
    an update. `after` (a log position the socket named) waits, bounded, until the read models
    include it, as the API's `after=` does."""
    if region not in REGIONS:
        abort(404)
    person = signed_in()
    after = whole_number(request.args.get("after"))
    if after and after <= (services().app.recorder.max_notification_id() or 0):
        services().runner.wait_for(after, current_app.config["READ_WAIT_SECONDS"])
    room = Room(group_id, person)
    position = queries.folded_position(room.views, group_id)
    template, figures = REGIONS[region]
    return jsonify({"position": position, "announce": _("The figures were updated."),
                    "html": render_template(template, room=room, **figures(room))})


@pages.get("/groups/<group_id>/power")
def power_page(group_id: str):
    return _figures_page("power.html", "power", group_id)


@pages.get("/groups/<group_id>/power/<figure>/<key>")
def trace_page(group_id: str, figure: str, key: str):
    room = Room(group_id, signed_in(), _as_of())
    try:
        found = queries.trace(room.views, group_id, figure, key, as_of=room.as_of,
                              limit=queries.MAX_PAGE)
    except NotFound:
        abort(404)
    room.texts.update(room.names.read([e["data"] for e in found["entries"]]))
    labels = {**i18n.CATEGORIES_PLURAL, **i18n.SIDES}
    return render_template("trace.html", room=room, figure=figure, who=labels[key],
                           entries=[room.shown(e) for e in reversed(found["entries"])])


@pages.get("/groups/<group_id>/principles")
def principles_page(group_id: str):
    return _figures_page("principles.html", "principles", group_id)


@pages.get("/groups/<group_id>/level")
def level_page(group_id: str):
    return _figures_page("level.html", "level", group_id)


@pages.get("/groups/<group_id>/audit")
def audit_page(group_id: str):
    person = signed_in()
    group_or_404(group_id, person)
    bounds = queries.record_bounds(services().runner.views, group_id)
    if bounds is None:
        abort(404)
    first, last = bounds
    at = max(min(_as_of() or last, last), first)
    room = Room(group_id, person, at)
    return render_template("audit.html", room=room, at=at, first=first, last=last,
                           entries=room.entries(newest=AUDIT_ENTRIES),
                           audit_entries=AUDIT_ENTRIES,
                           **power_figures(room), **principle_cards(room),
                           **level_figures(room))
