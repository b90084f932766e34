"""Plain-language explanations: of each evidence item and level condition in a sentence, and
easy-read texts (one idea per sentence, short common words) for every figure, principle and
level, shown when a person turns easy-read on."""

from fractions import Fraction

from flask_babel import gettext as _, lazy_gettext as _l

from webapp import i18n
from webapp.pages.common import share


def evidence_sentence(item: dict, names) -> str:
    member = names.person(item.get("member_id"))
    return {
        "asset_offered": lambda: _("%(member)s offered what they bring.", member=member),
        "asset_drawn_on": lambda: _("A proposal by %(member)s, who had offered what they bring, "
                                    "was carried.", member=member),
        "first_role": lambda: _("%(member)s took on a role for the first time.", member=member),
        "training_decision": lambda: _("The group decided about recruitment and training."),
        "support_across_sides": lambda: _("%(member)s gave support to someone from the other "
                                          "side.", member=member),
        "lived_experience_task": lambda: _("%(member)s, with lived experience, took on a task.",
                                           member=member),
        "peer_support": lambda: _("%(member)s supported a peer with lived experience.",
                                  member=member),
        "lived_experience_leads": lambda: _("%(member)s, with lived experience, leads the group.",
                                            member=member),
        "carried_across_sides": lambda: _("A proposal was carried with votes for from both "
                                          "sides."),
        "provider_facilitates": lambda: _("%(member)s, a provider, facilitates rather than "
                                          "chairs.", member=member),
        "lived_experience_carried": lambda: _("A proposal by %(member)s, with lived experience, "
                                              "was carried.", member=member),
    }.get(item["rule"], lambda: _("Evidence found in the record."))()


def condition_sentence(condition: dict, names) -> str:
    value = condition["value"]
    roles = ", ".join(str(i18n.ROLES.get(r, r)) for r in value) if isinstance(value, list) else ""
    return {
        "voting_members": lambda: _("The group has %(n)s members who can vote (at least 4 are "
                                    "needed to judge).", n=value),
        "closed_decisions": lambda: _("The group has closed %(n)s decisions (at least 3 are "
                                      "needed to judge).", n=value),
        "lived_experience_proposals_carried": lambda: _(
            "Proposals by people with lived experience carried: %(n)s.", n=value),
        "lived_experience_roles": lambda: _(
            "Roles held by people with lived experience: %(roles)s.", roles=roles or _("none")),
        "lived_experience_training_decisions": lambda: _(
            "Recruitment and training decisions proposed by people with lived experience and "
            "carried: %(n)s.", n=value),
        "lived_experience_leads": lambda: _(
            "People with lived experience who chair or facilitate: %(roles)s.",
            roles=roles or _("none")),
        "lived_experience_governance_carried": lambda: _(
            "Governance decisions proposed by people with lived experience and carried: %(n)s.",
            n=value),
        "balance_index_sides": lambda: _(
            "Balance index between the sides: %(value)s (4 of every 5 or more is needed).",
            value=share(value)),
        "shared_responsibilities": lambda: _(
            "Responsibilities shared with people with lived experience: %(tasks)s tasks taken on, "
            "%(carried)s recruitment, training or risk decisions proposed by them and carried.",
            tasks=value.get("lived_experience_tasks", 0),
            carried=value.get("lived_experience_training_or_risk_carried", 0)),
        "service_user_expert": lambda: _(
            "Times the experience of people who use the service shaped a carried proposal: "
            "%(n)s.", n=value),
        "risks_managed_together": lambda: _(
            "Risk decisions carried with votes for from both sides: %(n)s.", n=value),
        "evidence_for_every_principle": lambda: _(
            "Principles still without evidence: %(list)s.",
            list=", ".join(str(i18n.PRINCIPLES[p]) for p in value) or _("none")),
    }.get(condition["code"], lambda: str(condition["code"]))()


EASY_FIGURES = {
    "membership": _l("Membership tells how many people of each kind are in the group."),
    "agenda": _l("Agenda tells who brings proposals."),
    "success": _l("Success tells whose proposals are carried."),
    "role": _l("Roles tells who chairs and facilitates, and for how long."),
    "pivotal": _l("Pivotal votes are votes that changed a result. "
                  "The table tells who cast them."),
    "influence": _l("Influence puts agenda, success, roles and pivotal votes together. "
                    "It tells who really decides."),
    "balance": _l("The balance index compares influence with membership. "
                  "1 means fair: each part decides as much as its size. "
                  "0 means one part decides everything."),
}
EASY_PRINCIPLES = {
    "asset_based": _l("Everyone brings something. "
                      "The group writes down what each person brings and uses it."),
    "capabilities": _l("People learn and grow. "
                       "For example, someone chairs a meeting for the first time."),
    "reciprocity": _l("Help goes both ways. "
                      "Professionals help members. Members help professionals too."),
    "peer_support": _l("People with the same experience help each other."),
    "blurring_distinctions": _l("Roles are shared. "
                                "A person who uses the service can lead the group."),
    "facilitating": _l("Professionals help people decide. "
                       "They do not decide for them."),
}
EASY_LEVELS = {
    "compliance": _l("Compliance: people who use the service take part. "
                     "But they do not decide much yet."),
    "support": _l("Support: the group values what people who use the service bring. "
                  "They hold roles and their proposals are carried."),
    "transformation": _l("Transformation: power is shared. "
                         "People who use the service lead and decide as equals."),
    "insufficient_data": _l("There is not enough in the record yet to say the level. "
                            "The group needs at least 4 members who vote and 3 decisions."),
}


def easy_examples(power: dict) -> dict:
    """For easy-read: one example per figure from the group's own numbers, said with "of
    every" ("People who use the service brought 4 of every 11 proposals")."""
    shares = power["categories"]["shares"]
    found = {}
    for figure, sentence in EXAMPLES.items():
        candidates = [(key, shares[key][figure]) for key in shares if shares[key][figure]]
        if not candidates:
            continue
        key, number = max(candidates, key=lambda c: c[1]["value"])
        num, den = _of_every(number["exact"])
        found[figure] = sentence(who=i18n.CATEGORIES_IN_A_SENTENCE[key],
                                 label=i18n.CATEGORIES_PLURAL[key], num=num, den=den)
    return found


def _of_every(exact: str) -> tuple[int, int]:
    """A fraction as "n of every d" with a small d (about n of every 10 when it is large)."""
    value = Fraction(exact)
    if value.denominator <= 20:
        return value.numerator, value.denominator
    return round(value * 10), 10


EXAMPLES = {
    "membership": lambda **v: _("For example: %(num)s of every %(den)s members are in the "
                                "category “%(label)s”.", **v),
    "agenda": lambda **v: _("For example: %(num)s of every %(den)s proposals come from %(who)s.",
                            **v),
    "success": lambda **v: _("For example: %(num)s of every %(den)s carried proposals come from "
                             "%(who)s.", **v),
    "role": lambda **v: _("For example: the chair and the facilitation were in the hands of "
                          "%(who)s about %(num)s of every %(den)s days.", **v),
    "pivotal": lambda **v: _("For example: %(num)s of every %(den)s pivotal votes come from "
                             "%(who)s.", **v),
    "influence": lambda **v: _("For example: %(num)s of every %(den)s parts of the influence "
                               "are in the hands of %(who)s.", **v),
}
