"""How a group decides: the rule in force said in a sentence, and a proposal to change it. A
group's rule changes only by a carried rule-change proposal (decided under the rule in force),
so any voting member may table one; it goes through the dispatcher the API uses."""

from functools import partial

from flask import render_template
from flask_babel import gettext as _

from webapp import i18n
from webapp.pages import pages
from webapp.pages.common import signed_in
from webapp.pages.group import form_command, form_fields, form_rule
from webapp.pages.reading import Room


@pages.get("/groups/<group_id>/rule")
def rule_page(group_id: str, errors: dict | None = None, values: dict | None = None):
    room = Room(group_id, signed_in())
    return render_template("decision_rule.html", room=room, errors=errors or {},
                           values=values or {"rule": room.group.rule["rule"]})


@pages.post("/groups/<group_id>/rule")
def propose_rule_change(group_id: str):
    change = form_rule() or {}
    label = i18n.RULES.get(change.get("rule", ""))
    title = (_("Decide from now on by %(rule)s", rule=label) if label
             else _("A change of how the group decides"))  # the schema names what is wrong
    payload = {"group_id": group_id, "kind": "rule_change", "scope": "governance",
               "title": title, **form_fields("body"), "rule_change": change}
    return form_command("table_proposal", group_id, payload,
                        _("Your proposal was tabled. The group decides it by voting."),
                        page=partial(rule_page, group_id))
