"""What templates share: the domain's words in the page's language, fractions as people read
them ("3 of every 8 (38 %)"), the decision explained in a sentence, and error pages."""

import logging

from flask import g, render_template, request, session
from flask_babel import format_decimal, get_locale, gettext as _, lazy_gettext as _l, ngettext
from werkzeug.exceptions import HTTPException

from webapp import i18n
from webapp.auth import current_person
from webapp.pages import pages
from webapp.pages.common import csrf_token, share
from webapp.pages.explain import EASY_FIGURES, EASY_LEVELS, EASY_PRINCIPLES

log = logging.getLogger("reciproca")
VOTE_BUTTONS = {"for": lambda: _("For"), "against": lambda: _("Against"),
                "abstain": lambda: _("I abstain"), "block": lambda: _("Block")}

SHARE_LABELS = {"membership": _l("Membership"), "agenda": _l("Agenda"), "success": _l("Success"),
                "role": _l("Roles"), "pivotal": _l("Pivotal votes"), "influence": _l("Influence")}
STAGE_LABELS = {"data": _l("Enough record to judge"), "support": _l("Conditions for support"),
                "transformation": _l("Conditions for transformation")}


@pages.app_context_processor
def page_context() -> dict:
    return {
        "lang": str(get_locale() or i18n.DEFAULT_LANGUAGE), "easy": bool(session.get("easy")),
        "person": current_person(), "csrf_token": csrf_token, "here": request.full_path.rstrip("?"),
        "positions": i18n.POSITIONS, "outcomes": i18n.OUTCOMES, "rules": i18n.RULES,
        "scope_labels": i18n.SCOPES, "category_labels": i18n.CATEGORIES,
        "principle_labels": i18n.PRINCIPLES, "level_labels": i18n.LEVELS,
        "side_labels": i18n.SIDES, "category_plurals": i18n.CATEGORIES_PLURAL,
        "vote_buttons": {code: label() for code, label in VOTE_BUTTONS.items()},
        "easy_figures": EASY_FIGURES, "easy_principles": EASY_PRINCIPLES,
        "easy_levels": EASY_LEVELS, "share_labels": SHARE_LABELS, "stage_labels": STAGE_LABELS,
        "share": share, "rule_sentence": rule_sentence, "decision_sentence": decision_sentence,
    }


@pages.app_template_filter("index")
def index(number: dict | None) -> str:
    """A 0..1 figure such as the balance index, with two decimals in the page's language."""
    return "—" if number is None else format_decimal(number["value"], format="0.00")


@pages.app_template_filter("role_label")
def role_label(code: str) -> str:
    return str(i18n.ROLES.get(code, code))


def rule_sentence(rule: dict) -> str:
    name = str(i18n.RULES.get(rule["rule"], rule["rule"]))
    name = name[:1].upper() + name[1:]
    text = {
        "majority": _("%(name)s: it passes when more vote for than against.", name=name),
        "supermajority": _("%(name)s: it passes when at least %(share)s of the votes for or "
                           "against are for.", name=name, share=share(rule.get("threshold"))),
        "consensus": _("%(name)s: it passes when someone votes for and nobody votes against "
                       "or blocks.", name=name),
        "consent": _("%(name)s: it passes when someone votes for and nobody blocks.", name=name),
    }.get(rule["rule"], str(name))
    return text + " " + _("Quorum: %(share)s of the members who can vote.",
                          share=share(rule.get("quorum")))


def decision_sentence(p: dict, room) -> str:
    decision = p["decision"]
    tally = decision["tally"]
    counts = _("%(for)s for, %(against)s against, %(abstain)s abstaining, %(block)s blocking.",
               **{"for": tally["for"], "against": tally["against"],
                  "abstain": tally["abstain"], "block": tally["block"]})
    turnout = ngettext("%(num)s of the %(eligible)s members who could vote took part.",
                       "%(num)s of the %(eligible)s members who could vote took part.",
                       len(decision["counted"]), eligible=len(decision["eligible"]))
    result = {
        "carried": _("The proposal was carried."),
        "rejected": _("The proposal was rejected."),
        "no_quorum": _("Not enough members voted (no quorum), so nothing was decided."),
    }[decision["outcome"]]
    return " ".join((result, turnout, counts, rule_sentence(decision["rule"])))


def page_error(error: Exception):
    """An error on a page, as a page in the person's language (never a stack trace)."""
    if isinstance(error, HTTPException) and error.response is not None:
        return error.response  # a redirect raised with abort(), e.g. to sign in
    if not isinstance(error, HTTPException):
        log.exception("request %s failed", g.get("request_id"))
    code = error.code if isinstance(error, HTTPException) else 500
    titles = {404: _("This page does not exist"), 403: _("You may not see this page"),
              400: _("Something went wrong with the form")}
    title = titles.get(code, _("Something went wrong"))
    message = (error.description if isinstance(error, HTTPException) and code == 400
               else _("Please go back and try again. If it happens again, tell the group's "
                      "facilitator."))
    return render_template("error.html", title=title, message=message), code
