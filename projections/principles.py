"""Evidence for the six co-production principles, derived from events by documented rules.

Some evidence is recorded on purpose by members (an asset offered, support given, a task taken
on); some is inferred from the decision record. Each item names its rule, the member it concerns,
the event that produced it (`position`) and every event it cites (`positions`). Sides and
categories are those in force when each act happened. docs/metrics.md explains the rules:

| rule | principle | an item when | cites |
|---|---|---|---|
| asset_offered | asset_based | a member offers an asset | the offer |
| asset_drawn_on | asset_based | a carried proposal's proposer had offered assets before tabling it | those offers, the tabling, the close |
| first_role | capabilities | a member is assigned chair, facilitator or note-taker for the first time in the group (not the founder's chair) | the assignment |
| training_decision | capabilities | a recruitment_training proposal is carried | the tabling, the close |
| support_across_sides | reciprocity | a member supports a member of the other side | the support |
| lived_experience_task | reciprocity | a lived-experience member takes on a task | the task |
| peer_support | peer_support | a lived-experience member supports another one | the support |
| lived_experience_leads | blurring_distinctions | a lived-experience member comes to hold chair or facilitator (assigned, or a category change while holding it) | that assignment or category change |
| carried_across_sides | blurring_distinctions | a proposal is carried with counted for votes from both sides | the tabling, the close |
| provider_facilitates | facilitating | a provider is assigned facilitator while not holding the chair | the assignment |
| lived_experience_carried | facilitating | a proposal tabled by a lived-experience member is carried | the tabling, the close |

The state also keeps what the level needs (lived experience's carried proposals per scope, the
growth roles lived experience has held, experts by experience, risks decided together), so that
no question ever replays history. Everything in it is bounded by the group's size, except each
member's list of offered assets, which the `asset_drawn_on` items cite.
"""

from fractions import Fraction

from domain.group import FOUNDING
from domain.vocabulary import LEADERSHIP_ROLES, LIVED_EXPERIENCE, PRINCIPLES, PROVIDER, side_of
from projections.membership import is_voting

RULES = {
    "asset_offered": "asset_based", "asset_drawn_on": "asset_based",
    "first_role": "capabilities", "training_decision": "capabilities",
    "support_across_sides": "reciprocity", "lived_experience_task": "reciprocity",
    "peer_support": "peer_support",
    "lived_experience_leads": "blurring_distinctions",
    "carried_across_sides": "blurring_distinctions",
    "provider_facilitates": "facilitating", "lived_experience_carried": "facilitating",
}
GROWTH_ROLES = ("chair", "facilitator", "note_taker")


def new_principles() -> dict:
    return {
        "counts": dict.fromkeys(RULES, 0),
        "assets": {},  # member -> [[position, category when offered], ...]
        "open": {},  # proposal -> what its close needs
        "reflections": {},  # member -> principle -> latest {score, position}
        "peer_linked": [],  # members who gave or received peer support
        "giving": {LIVED_EXPERIENCE: 0, PROVIDER: 0},  # reciprocity items by the giver's side
        "lived_roles": [],  # growth roles a lived-experience member holds or has held
        "lived_carried": {},  # scope -> carried proposals tabled by lived experience
        "experts": 0,  # asset_drawn_on items citing an asset offered as a service user
        "risks_together": 0,  # risk proposals carried with for votes from both sides
    }


def fold_principles(state: dict, event: dict, membership: dict) -> list[dict]:
    """Fold one event; `membership` is as it was before the event. Returns new evidence."""
    data, kind, position = event["data"], event["type"], event["position"]
    members, actor = membership["members"], event["actor"]
    found = []

    def item(rule: str, member: str, *cited: int, **details) -> None:
        state["counts"][rule] += 1
        found.append({"principle": RULES[rule], "rule": rule, "member_id": member,
                      "position": position, "positions": sorted({position, *cited}),
                      **details})

    if kind == "AssetOffered":
        item("asset_offered", actor)
        category = members[actor]["category"] if actor in members else None
        state["assets"].setdefault(actor, []).append([position, category])
    elif kind == "TaskTakenOn" and _side(members, actor) == LIVED_EXPERIENCE:
        item("lived_experience_task", actor)
        state["giving"][LIVED_EXPERIENCE] += 1
    elif kind == "SupportGiven":
        _support(state, item, actor, data["to_member_id"], members)
    elif kind == "RoleAssigned" and data["member_id"] in members:
        _assigned(state, item, data, members[data["member_id"]], membership["ever_held"])
    elif kind == "CategoryChanged" and data["member_id"] in members:
        _recategorised(state, item, data, members[data["member_id"]])
    elif kind == "Tabled":
        state["open"][event["aggregate_id"]] = {
            "proposer": actor, "side": _side(members, actor), "scope": data["scope"],
            "tabled": position, "assets": len(state["assets"].get(actor, [])),
            "voter_sides": {}}
    elif kind == "VoteCast":
        state["open"][event["aggregate_id"]]["voter_sides"][data["voter"]] = _side(
            members, data["voter"])
    elif kind == "Closed":
        _decided(state, item, state["open"].pop(event["aggregate_id"]), event)
    elif kind == "Withdrawn":
        state["open"].pop(event["aggregate_id"], None)
    elif kind == "ReflectionRecorded":
        latest = state["reflections"].setdefault(actor, {})
        for principle, score in data["scores"].items():
            latest[principle] = {"score": score, "position": position}
    return found


def _support(state: dict, item, giver: str, receiver: str, members: dict) -> None:
    """Support to oneself is neither peer support nor reciprocity."""
    giving, receiving = _side(members, giver), _side(members, receiver)
    if giver == receiver or giving is None or receiving is None:
        return
    if giving == receiving == LIVED_EXPERIENCE:
        item("peer_support", giver, to_member_id=receiver)
        for member in (giver, receiver):
            if member not in state["peer_linked"]:
                state["peer_linked"].append(member)
    elif giving != receiving:
        item("support_across_sides", giver, to_member_id=receiver)
        state["giving"][giving] += 1


def _assigned(state: dict, item, data: dict, member: dict, ever_held: dict) -> None:
    member_id, role = data["member_id"], data["role"]
    side = side_of(member["category"])
    if role in GROWTH_ROLES and role not in ever_held.get(member_id, []) \
            and data["how"] != FOUNDING:
        item("first_role", member_id, role=role)
    if side == LIVED_EXPERIENCE:
        _lived_experience_holds(state, item, member_id, [role])
    elif role == "facilitator" and "chair" not in member["roles"]:
        item("provider_facilitates", member_id, role=role)


def _recategorised(state: dict, item, data: dict, member: dict) -> None:
    """A member who moves to the lived-experience side while holding roles comes to hold them
    as lived experience; moving within a side changes nothing here."""
    if side_of(data["category"]) == LIVED_EXPERIENCE != side_of(member["category"]):
        _lived_experience_holds(state, item, data["member_id"], member["roles"])


def _lived_experience_holds(state: dict, item, member_id: str, roles: list[str]) -> None:
    for role in roles:
        if role in GROWTH_ROLES and role not in state["lived_roles"]:
            state["lived_roles"].append(role)
        if role in LEADERSHIP_ROLES:
            item("lived_experience_leads", member_id, role=role)


def _decided(state: dict, item, proposal: dict, event: dict) -> None:
    decision = event["data"]["decision"]
    if decision["outcome"] != "carried":
        return
    proposer, tabled, scope = proposal["proposer"], proposal["tabled"], proposal["scope"]
    offered = state["assets"].get(proposer, [])[:proposal["assets"]]
    if offered:
        expert = any(category == "service_user" for _, category in offered)
        item("asset_drawn_on", proposer, *(at for at, _ in offered), tabled, scope=scope,
             offered_as_service_user=expert)
        state["experts"] += expert
    if scope == "recruitment_training":
        item("training_decision", proposer, tabled, scope=scope)
    if proposal["side"] == LIVED_EXPERIENCE:
        item("lived_experience_carried", proposer, tabled, scope=scope)
        state["lived_carried"][scope] = state["lived_carried"].get(scope, 0) + 1
    sides_for = {proposal["voter_sides"].get(voter) for voter, position
                 in decision["counted"].items() if position == "for"}
    if {LIVED_EXPERIENCE, PROVIDER} <= sides_for:
        item("carried_across_sides", proposer, tabled, scope=scope)
        if scope == "risk":
            state["risks_together"] += 1


def _side(members: dict, member_id: str) -> str | None:
    member = members.get(member_id)
    return side_of(member["category"]) if member else None


def principle_counts(state: dict) -> dict[str, int]:
    counts = dict.fromkeys(PRINCIPLES, 0)
    for rule, n in state["counts"].items():
        counts[RULES[rule]] += n
    return counts


def evidenced(state: dict) -> dict[str, bool]:
    """A principle is evidenced by one item, except reciprocity, which must run both ways:
    lived experience giving (a task, or support to a provider) and a provider giving."""
    found = {principle: n > 0 for principle, n in principle_counts(state).items()}
    found["reciprocity"] = all(state["giving"][side] > 0 for side in (LIVED_EXPERIENCE, PROVIDER))
    return found


def group_view(reflections: dict) -> dict:
    """The group's own view: per principle, the latest score of each member who gave one,
    with their mean (exact), count and spread (highest minus lowest), and where they stand."""
    view = {}
    for principle in PRINCIPLES:
        latest = [r[principle] for r in reflections.values() if principle in r]
        scores = [r["score"] for r in latest]
        view[principle] = {
            "count": len(scores),
            "mean": Fraction(sum(scores), len(scores)) if scores else None,
            "spread": max(scores) - min(scores) if scores else None,
            "positions": sorted(r["position"] for r in latest),
        }
    return view


def peer_network(state: dict, members: dict) -> dict:
    """How connected peer support is: of the lived-experience voting members (observers left
    out), those who gave or received support from a lived-experience peer."""
    lived = [m for m, member in members.items()
             if side_of(member["category"]) == LIVED_EXPERIENCE and is_voting(member)]
    linked = len(set(lived) & set(state["peer_linked"]))
    return {"linked": linked, "lived_experience_voting_members": len(lived),
            "share": Fraction(linked, len(lived)) if lived else None}
