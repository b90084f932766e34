"""The shared record: each proposal's current state and live tally, folded from its events.

The record's entries themselves are the event views with the group's sequence number (see
`projections.fold`); this module keeps the per-proposal view beside them: every version of its
text, its comments, its ballots and tally, its deadline and how it ended.
"""

from domain.rules import tally_of


def fold_proposal(view: dict | None, event: dict) -> dict:
    """The proposal's view after `event`: `view` itself, changed in place (a copy per vote cost
    a rebuild as much as the rest of the fold), or a new view for `Tabled`. The tally follows
    each vote by the one ballot it replaces, never by counting every ballot again."""
    data, kind = event["data"], event["type"]
    if kind == "Tabled":
        return {"id": event["aggregate_id"], "group_id": event["group_id"],
                "proposer": event["actor"], "title": data["title"], "body": data["body"],
                "versions": 1, "scope": data["scope"], "kind": data["kind"],
                "rule": data["rule"], "change": data["change"], "status": "open",
                "ballots": {}, "tally": tally_of([]), "decision": None,
                "closes_at": data.get("closes_at"), "at_deadline": False,
                "history": [_version(event)], "comments": [],
                "tabled": {"position": event["position"], "time": event["time"]}, "ended": None}
    if kind == "Amended":
        view.update(title=data["title"], body=data["body"], versions=view["versions"] + 1,
                    history=[*view["history"], _version(event)])
    elif kind == "Commented":
        view["comments"] = [*view["comments"], {
            "id": data["comment_id"], "author": event["actor"], "body": data["body"],
            "reply_to": data["reply_to"], "position": event["position"],
            "time": event["time"]}]
    elif kind == "VoteCast":
        replaced = view["ballots"].get(data["voter"])
        view["ballots"][data["voter"]] = {"position": data["position"], "reason": data["reason"],
                                          "recorded_by": event["actor"],
                                          "at": event["position"]}
        if replaced:
            view["tally"][replaced["position"]] -= 1
        view["tally"][data["position"]] += 1
    elif kind in ("Closed", "Withdrawn"):
        view["status"] = "closed" if kind == "Closed" else "withdrawn"
        view["decision"] = data.get("decision")
        view["at_deadline"] = bool(data.get("at_deadline"))
        view["ended"] = {"position": event["position"], "time": event["time"]}
    return view


def cited_texts(value) -> set[str]:
    """The ids of the free texts a record entry (or any part of an answer) refers to: free text
    lives outside the log, cited as {"text_id", "digest"}. One walk with one set (a record page
    is thousands of nodes)."""
    found, pending = set(), [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if len(item) == 2 and "text_id" in item and "digest" in item:
                found.add(item["text_id"])
            else:
                pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


def _version(event: dict) -> dict:
    return {"title": event["data"]["title"], "body": event["data"]["body"],
            "position": event["position"], "time": event["time"]}
