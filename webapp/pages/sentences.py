"""The shared record in plain sentences: "Ana voted for “Evening opening hours”".

Names and titles come from the mutable tables (never ids); every sentence is a translatable
string with named placeholders, so Spanish and English each read naturally. The result is plain
text: templates escape it like any other text a person typed.
"""

from flask_babel import gettext as _

from webapp import i18n
from webapp.pages.common import text_of

HIDDEN = {"DecisionRecorded"}  # the group's mirror of a proposal's Closed event


def label(labels: dict, code: str | None) -> str:
    return str(labels.get(code, code or ""))


class Sentences:
    """Sentences for one group's entries; `titles` maps proposal ids to their title refs."""

    def __init__(self, names, texts: dict, titles: dict):
        self.names, self.texts, self.titles = names, texts, titles

    def title(self, proposal_id: str) -> str:
        return text_of(self.texts, self.titles.get(proposal_id)) or _("a proposal")

    def of(self, entry: dict) -> str:
        kind, data = entry["type"], entry["data"]
        actor = self.names.person(entry["actor"])
        member = self.names.person(data.get("member_id")) if "member_id" in data else ""
        title = self.title(entry["aggregate_id"])
        text = (lambda key: text_of(self.texts, data.get(key)))
        if kind == "Founded":
            return _("%(actor)s founded the group “%(name)s”.", actor=actor, name=text("name"))
        if kind == "MemberJoined":
            category = label(i18n.CATEGORIES, data["category"])
            if data["member_id"] == entry["actor"]:
                return _("%(member)s joined as %(category)s.", member=member, category=category)
            return _("%(actor)s welcomed %(member)s as %(category)s.", actor=actor,
                     member=member, category=category)
        if kind == "MemberLeft":
            if data["member_id"] == entry["actor"]:
                return _("%(member)s left the group.", member=member)
            return _("%(actor)s removed %(member)s from the group.", actor=actor, member=member)
        if kind == "CategoryChanged":
            return _("%(member)s is now %(category)s.", member=member,
                     category=label(i18n.CATEGORIES, data["category"]))
        if kind in ("RoleAssigned", "RoleRevoked"):
            return self._role(kind, data, member)
        if kind == "RuleChanged":
            return _("By decision of the group, it now decides by %(rule)s.",
                     rule=label(i18n.RULES, data["rule"]["rule"]))
        if kind == "AuditorAppointed":
            return _("%(auditor)s was appointed to audit the group.",
                     auditor=self.names.person(data["auditor_id"]))
        if kind == "Tabled":
            return _("%(actor)s tabled the proposal “%(title)s”.", actor=actor, title=title)
        if kind == "Amended":
            return _("%(actor)s changed the proposal “%(title)s”.", actor=actor, title=title)
        if kind == "VoteCast":
            return self._vote(entry, actor, title)
        if kind == "Closed":
            outcome = label(i18n.OUTCOMES, data["decision"]["outcome"])
            if data.get("at_deadline"):
                return _("“%(title)s” closed at its deadline: %(outcome)s.", title=title,
                         outcome=outcome)
            return _("“%(title)s” was closed: %(outcome)s.", title=title, outcome=outcome)
        if kind == "Withdrawn":
            return _("%(actor)s withdrew the proposal “%(title)s”.", actor=actor, title=title)
        if kind == "AssetOffered":
            return _("%(actor)s offers: %(what)s", actor=actor, what=text("description"))
        if kind == "SupportGiven":
            return _("%(actor)s supported %(member)s: %(what)s", actor=actor,
                     member=self.names.person(data["to_member_id"]), what=text("description"))
        if kind == "TaskTakenOn":
            return _("%(actor)s takes on a task: %(what)s", actor=actor, what=text("description"))
        if kind == "ReflectionRecorded":
            return _("%(actor)s shared a reflection on the six principles.", actor=actor)
        if kind == "Commented":
            return _("%(actor)s commented on “%(title)s”.", actor=actor, title=title)
        return _("%(actor)s made a change to the record.", actor=actor)

    @staticmethod
    def _role(kind: str, data: dict, member: str) -> str:
        role, by_decision = label(i18n.ROLES, data["role"]), data.get("how") == "proposal"
        if kind == "RoleAssigned":
            return (_("By decision of the group, %(member)s takes on %(role)s.", member=member,
                      role=role) if by_decision
                    else _("%(member)s takes on %(role)s.", member=member, role=role))
        return (_("By decision of the group, %(member)s no longer holds %(role)s.",
                  member=member, role=role) if by_decision
                else _("%(member)s no longer holds %(role)s.", member=member, role=role))

    def _vote(self, entry: dict, actor: str, title: str) -> str:
        data = entry["data"]
        voter = self.names.person(data["voter"])
        sentence = {
            "for": _("%(voter)s voted for “%(title)s”.", voter=voter, title=title),
            "against": _("%(voter)s voted against “%(title)s”.", voter=voter, title=title),
            "abstain": _("%(voter)s abstained on “%(title)s”.", voter=voter, title=title),
            "block": _("%(voter)s blocked “%(title)s”.", voter=voter, title=title),
        }[data["position"]]
        if data["voter"] != entry["actor"]:
            sentence += " " + _("(Recorded in the meeting by %(actor)s.)", actor=actor)
        return sentence

    def reason(self, entry: dict) -> str | None:
        """The reason a person gave with a vote, or what they wrote with a contribution."""
        data = entry["data"]
        ref = data.get("reason") or data.get("comment") or data.get("body")
        return text_of(self.texts, ref) if isinstance(ref, dict) else None
