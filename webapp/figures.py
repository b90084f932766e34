"""The figures of a group as text for a terminal: power balance, principle evidence, level."""

from domain.vocabulary import CATEGORIES, PRINCIPLES, SIDES
from projections import queries

SHARES = ("membership", "agenda", "success", "role", "pivotal", "influence")


def figures_of(views, group_id: str, as_of: int | None = None, name: str | None = None) -> dict:
    return {"group_id": group_id, "name": name,
            "power_balance": queries.power_balance(views, group_id, as_of),
            "principles": queries.principles(views, group_id, as_of),
            "level": queries.level(views, group_id, as_of)}


def as_text(figures: dict) -> str:
    power, principles, level = (figures["power_balance"], figures["principles"],
                                figures["level"])
    at = (f"as of position {power['as_of']}" if power["as_of"] else "as of its latest event")
    lines = [f"{figures['name'] or '(name erased)'} · group {power['group_id']}",
             f"{at}, recorded at {power['now']} (\"now\" for these figures: a role still held "
             f"counts until then)", ""]
    for kind, keys in (("sides", SIDES), ("categories", CATEGORIES)):
        lines.append(f"{'':18}" + "".join(f"{share:>11}" for share in SHARES))
        for key in keys:
            row = power[kind]["shares"][key]
            lines.append(f"{key:18}" + "".join(f"{_pct(row[share]):>11}" for share in SHARES))
        lines += [f"balance index ({kind}): {_exact(power[kind]['balance_index'])}", ""]
    lines.append("principle evidence (items; members' own mean score 1-5, count)")
    for principle in PRINCIPLES:
        found = principles["principles"][principle]
        own = found["reflections"]
        mark = "evidenced" if found["evidenced"] else "not evidenced"
        lines.append(f"  {principle:22}{found['count']:>4}   "
                     f"{_exact(own['mean'])} ({own['count']})   {mark}")
    lines += ["", f"level: {level['level']}"]
    if level["unmet"]:
        lines.append(f"  kept from the next level by: {', '.join(level['unmet'])}")
    for group, conditions in level["conditions"].items():
        for condition in conditions:
            mark = "yes" if condition["met"] else "no "
            lines.append(f"  [{mark}] {group}: {condition['code']} = {condition['value']}")
    return "\n".join(lines)


def _pct(number: dict | None) -> str:
    return "-" if number is None else f"{number['value'] * 100:.1f}%"


def _exact(number: dict | None) -> str:
    return "-" if number is None else f"{number['value']:.4f} ({number['exact']})"
