"""Founding a group from the pages: its name, its purpose, the category its founder takes part
as and how it decides. Whoever founds it is its first member and chair (as with the API's
`POST /api/groups`, through the same dispatcher); they then invite the others."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from domain.errors import DomainError
from domain.vocabulary import CATEGORIES
from webapp.commands import Caller, dispatch
from webapp.idempotency import request_id
from webapp.pages import pages
from webapp.pages.common import answer, check_csrf, refused, signed_in
from webapp.pages.group import form_fields, form_rule


@pages.get("/groups/new")
def found_group_page(errors: dict | None = None, values: dict | None = None):
    signed_in()
    return render_template("found_group.html", categories=CATEGORIES, errors=errors or {},
                           values=values or {"rule": "majority"})


@pages.post("/groups/new")
def found_group():
    person = signed_in()
    check_csrf()
    payload = {**form_fields("name", "purpose", "category"),
               "decision_rule": form_rule() or {}}
    try:
        done = dispatch("found_group", Caller.of(person, request_id()), payload)
    except (ValidationError, DomainError) as error:
        return refused(error, lambda messages: found_group_page(
            {"found": messages}, request.form.to_dict()))
    return answer(_("Your group is founded. You are its chair: invite the others from the "
                    "meeting page."), url_for("pages.group_page", group_id=done["id"]),
                  position=done["position"])
