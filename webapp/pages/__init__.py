"""The browser pages: server-rendered HTML, a little plain JavaScript, every asset served here.

Pages read the application and the read models in-process and change things through the same
schemas and application methods as the JSON API, so a person may do exactly the same in both.
"""

from flask import Blueprint

pages = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/static")

from webapp.pages import (  # noqa: E402,F401  (routes)
    account, decision_rule, figures, forgotten_password, found_group, group, helpers, inviting,
    links, meeting, membership, my_account, proposal_changes, removal, roles)
