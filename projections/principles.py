"""Evidence for the six co-production principles, derived from events by documented rules.

Some evidence is recorded on purpose by members (an asset offered, support given, a task taken
on); some is inferred from the decision record. Each item names its rule, the member it concerns
and the log positions of the events behind it. Categories and sides are those in force when the
event happened. The rules (docs/metrics.md explains them to members):

| rule | principle | when |
|---|---|---|
| asset_offered | asset_based | a member offers an asset |
| asset_drawn_on | asset_based | a proposal tabled by a member who had offered an asset is carried |
| first_role | capabilities | a member takes a role (chair, facilitator, note-taker) for the first time |
| training_decision | capabilities | a recruitment-and-training proposal is carried |
| support_across_sides | reciprocity | support is given from one side to the other |
| lived_experience_task | reciprocity | a lived-experience member takes on a task |
| peer_support | peer_support | support is given between two lived-experience members |
| lived_experience_leads | blurring_distinctions | a lived-experience member takes a leadership role |
| carried_across_sides | blurring_distinctions | a carried proposal had votes for from both sides |
| provider_facilitates | facilitating | a provider takes the facilitator role |
| lived_experience_carried | facilitating | a proposal tabled by a lived-experience member is carried |
"""

from fractions import Fraction

from domain.vocabulary import LEADERSHIP_ROLES, LIVED_EXPERIENCE, PRINCIPLES, side_of

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
    return {"offered": [], "open": {}, "reflections": {}, "peer_linked": [],
            "counts": dict.fromkeys(PRINCIPLES, 0), "carried": {}}


def fold_principles(state: dict, event: dict, membership: dict) -> list[dict]:
    """Fold one event; `membership` is as it was before the event. Returns new evidence."""
    data, kind, position = event["data"], event["type"], event["position"]
    members, actor = membership["members"], event["actor"]
    found = []

    def item(rule: str, member: str, *positions: int) -> None:
        state["counts"][RULES[rule]] += 1
        found.append({"principle": RULES[rule], "rule": rule, "member_id": member,
                      "position": position, "positions": sorted({position, *positions})})

    if kind == "AssetOffered":
        item("asset_offered", actor)
        if actor not in state["offered"]:
            state["offered"].append(actor)
    elif kind == "TaskTakenOn" and _side(members, actor) == LIVED_EXPERIENCE:
        item("lived_experience_task", actor)
    elif kind == "SupportGiven":
        giver, receiver = _side(members, actor), _side(members, data["to_member_id"])
        if giver == receiver == LIVED_EXPERIENCE:
            item("peer_support", actor)
            for member in (actor, data["to_member_id"]):
                if member not in state["peer_linked"]:
                    state["peer_linked"].append(member)
        elif giver and receiver and giver != receiver:
            item("support_across_sides", actor)
    elif kind == "RoleAssigned" and data["member_id"] in members:
        _role_evidence(item, data, members, membership["ever_held"])
    elif kind == "Tabled":
        state["open"][event["aggregate_id"]] = {
            "proposer": actor, "side": _side(members, actor), "scope": data["scope"],
            "tabled": position, "voter_sides": {}}
    elif kind == "VoteCast":
        state["open"][event["aggregate_id"]]["voter_sides"][data["voter"]] = _side(
            members, data["voter"])
    elif kind == "Closed":
        _decision_evidence(item, state, event)
    elif kind == "Withdrawn":
        state["open"].pop(event["aggregate_id"], None)
    elif kind == "ReflectionRecorded":
        latest = state["reflections"].setdefault(actor, {})
        for principle, score in data["scores"].items():
            latest[principle] = {"score": score, "position": position}
    return found


def _role_evidence(item, data: dict, members: dict, ever_held: dict) -> None:
    member, role = data["member_id"], data["role"]
    side = side_of(members[member]["category"])
    if role in GROWTH_ROLES and role not in ever_held.get(member, []):
        item("first_role", member)
    if role in LEADERSHIP_ROLES and side == LIVED_EXPERIENCE:
        item("lived_experience_leads", member)
    if role == "facilitator" and side != LIVED_EXPERIENCE:
        item("provider_facilitates", member)


def _decision_evidence(item, state: dict, event: dict) -> None:
    proposal = state["open"].pop(event["aggregate_id"])
    decision = event["data"]["decision"]
    if decision["outcome"] != "carried":
        return
    proposer, tabled = proposal["proposer"], proposal["tabled"]
    by_side = state["carried"].setdefault(proposal["side"] or "unknown", {})
    by_side[proposal["scope"]] = by_side.get(proposal["scope"], 0) + 1
    if proposer in state["offered"]:
        item("asset_drawn_on", proposer, tabled)
    if proposal["scope"] == "recruitment_training":
        item("training_decision", proposer, tabled)
    if proposal["side"] == LIVED_EXPERIENCE:
        item("lived_experience_carried", proposer, tabled)
    sides_for = {proposal["voter_sides"].get(voter) for voter, position
                 in decision["counted"].items() if position == "for"}
    if len(sides_for - {None}) == 2:
        item("carried_across_sides", proposer, tabled)


def _side(members: dict, member_id: str) -> str | None:
    member = members.get(member_id)
    return side_of(member["category"]) if member else None


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


def peer_network(state: dict, members: dict) -> Fraction | None:
    """How connected peer support is: the share of current lived-experience members who gave
    or received support from a lived-experience peer."""
    lived = [m for m in members if _side(members, m) == LIVED_EXPERIENCE]
    if not lived:
        return None
    return Fraction(len(set(lived) & set(state["peer_linked"])), len(lived))
