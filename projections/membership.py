"""Who belongs to a group, in which category and with which roles, folded from its events; also
who audits it and the reference of its name, for the list of a person's groups.

The other folds read this state as it was *before* the event they are folding, so that a member
leaving or changing category is seen with the category and roles they had.
"""


# Events that change who counts: every share, the peer network and the level's counts move.
MEMBERSHIP_EVENTS = frozenset({"MemberJoined", "MemberLeft", "CategoryChanged", "RoleAssigned",
                               "RoleRevoked"})
# Events that change a group's rows of view_people (who, category, roles, auditors, name).
PEOPLE_EVENTS = MEMBERSHIP_EVENTS | {"Founded", "AuditorAppointed"}


def new_membership() -> dict:
    return {"members": {}, "ever_held": {}, "auditors": [], "name": None}


def fold_membership(state: dict, event: dict) -> None:
    members, data, kind = state["members"], event["data"], event["type"]
    if kind == "Founded":
        state["name"] = data["name"]
    elif kind == "AuditorAppointed":
        state["auditors"].append(data["auditor_id"])
    elif kind == "MemberJoined":
        members[data["member_id"]] = {"category": data["category"], "roles": [data["role"]]}
    elif kind == "MemberLeft":
        members.pop(data["member_id"], None)
    elif kind == "CategoryChanged":
        members[data["member_id"]]["category"] = data["category"]
    elif kind == "RoleAssigned":
        members[data["member_id"]]["roles"].append(data["role"])
        held = state["ever_held"].setdefault(data["member_id"], [])
        if data["role"] not in held:
            held.append(data["role"])
    elif kind == "RoleRevoked":
        members[data["member_id"]]["roles"].remove(data["role"])


def is_voting(member: dict) -> bool:
    return "observer" not in member["roles"]
