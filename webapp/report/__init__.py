"""The accountability report: one self-contained HTML file (printable to PDF) saying how a group
decided and shared power up to a point of its record, and which signed checkpoint covers it.

Everything comes from the read models as of that point; charts are inline SVG (webapp.charts),
styles are inline, and nothing is fetched from elsewhere, so the file can be kept, mailed and
printed as it is.
"""

import json
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from domain.errors import InvalidValue
from domain.vocabulary import CATEGORIES, PRINCIPLES, SIDES
from projections import queries
from webapp.charts import Line, Pair, Value, line_chart, paired_bars
from webapp.exports import texts_of
from webapp.report.labels import CODES, LANGUAGES, WORDS

_templates = Environment(loader=FileSystemLoader(Path(__file__).parent),
                         autoescape=select_autoescape(["html"]), trim_blocks=True,
                         lstrip_blocks=True)


def build(views, texts, ledger, group_id: str, *, as_of: int | None = None, lang: str = "es",
          checkpoint: dict | None = None) -> str:
    """The report's HTML. `checkpoint`: a signed checkpoint covering the report (see
    `covering_checkpoint`), or None."""
    if lang not in LANGUAGES:
        raise InvalidValue(f"lang must be one of {', '.join(LANGUAGES)}", "lang")
    words, codes = WORDS[lang], CODES[lang]
    entries = queries.record_entries(views, group_id, as_of)
    if not entries:
        raise InvalidValue(f"the group has no events up to position {as_of}", "as_of")
    resolve = texts_of(texts, entries, words["redacted"])
    fmt = Formats(lang)
    founded = entries[0]["data"]
    power = queries.power_balance(views, group_id, as_of)
    proposals = queries.proposals(views, group_id, as_of)
    context = {
        "lang": lang, "w": words, "c": codes,
        "group": {"name": resolve(founded["name"]), "purpose": resolve(founded["purpose"])},
        "period": {"start": fmt.date(entries[0]["time"]), "end": fmt.date(entries[-1]["time"]),
                   "first": entries[0]["position"], "last": entries[-1]["position"]},
        "as_of": as_of, "generated": fmt.date(datetime.now(timezone.utc).isoformat()),
        "members": len([m for m in queries.group_state(views, group_id, as_of)["membership"]
                        ["members"].values() if "observer" not in m["roles"]]),
        "decisions": [_decision(p, resolve, fmt, words, codes) for p in proposals
                      if p["status"] != "open"],
        "open": [resolve(p["title"]) for p in proposals if p["status"] == "open"],
        "power": {"categories": fmt.number(power["categories"]["balance_index"]),
                  "sides": fmt.number(power["sides"]["balance_index"])},
        "charts": _charts(power, queries.series(views, group_id, as_of), fmt, words, codes),
        "principles": _principles(queries.principles(views, group_id, as_of), fmt, words,
                                  codes),
        "comments": [{"date": fmt.date(e["time"]), "text": resolve(e["data"]["comment"])}
                     for e in entries if e["type"] == "ReflectionRecorded"
                     and e["data"].get("comment")],
        "level": _level(queries.level(views, group_id, as_of), fmt, codes),
        "checkpoint": checkpoint,
        "checkpoint_json": json.dumps(checkpoint, indent=2) if checkpoint else None,
    }
    return _templates.get_template("report.html").render(context)


def covering_checkpoint(ledger, views, group_id: str, as_of: int | None) -> dict | None:
    """The earliest stored checkpoint whose tree holds the report's last event."""
    entries = queries.record_entries(views, group_id, as_of)
    try:
        index = ledger.leaf_at(entries[-1]["position"])["leaf_index"]
    except Exception:  # noqa: BLE001 - not folded into the ledger yet: nothing covers it
        return None
    return next((c for c in ledger.checkpoints() if c["size"] > index), None)


class Formats:
    """Numbers and dates as a reader of the language writes them."""

    def __init__(self, lang: str):
        self.lang = lang

    def percent(self, value: Fraction) -> str:
        text = f"{float(value) * 100:.0f}"
        return f"{text} %" if self.lang == "es" else f"{text}%"

    def number(self, figure: dict | None) -> str:
        """An exact figure ({"exact": "2/3", ...}) as "2/3 (67 %)"."""
        if figure is None:
            return WORDS[self.lang]["undefined"]
        return self.fraction(figure["exact"])

    def fraction(self, exact: str) -> str:
        """A share: "2/3 (67 %)"; a long exact fraction is left to the percentage."""
        value = Fraction(exact)
        if value.denominator == 1 or len(exact) > 9:
            return self.percent(value)
        return f"{exact} ({self.percent(value)})"

    def decimal(self, figure: dict) -> str:
        text = f"{float(Fraction(figure['exact'])):.2f}"
        return text.replace(".", ",") if self.lang == "es" else text

    def date(self, iso: str) -> str:
        return iso[:10]


def _decision(proposal: dict, resolve, fmt: Formats, words: dict, codes: dict) -> dict:
    decision, rule = proposal["decision"] or {}, proposal["rule"]
    tally = decision.get("tally") or proposal["tally"]
    extra = ", ".join(f"{codes.get(k, k)} {v}" for k, v in rule.items() if k != "rule")
    return {
        "title": resolve(proposal["title"]), "scope": codes.get(proposal["scope"]),
        "rule": codes.get(rule["rule"], rule["rule"]) + (f" ({extra})" if extra else ""),
        "tally": ", ".join(f"{tally[k]} {words['tally'][k]}" for k in words["tally"]
                           if tally[k]) or "—",
        "turnout": fmt.fraction(decision["turnout"]) if decision.get("turnout") else "—",
        "outcome": codes.get(decision.get("outcome") or proposal["status"]),
        "carried": decision.get("outcome") == "carried",
        "tabled": fmt.date(proposal["tabled"]["time"]),
        "ended": fmt.date(proposal["ended"]["time"]) if proposal["ended"] else "—",
    }


def _share(figure: dict | None, fmt: Formats) -> Value:
    if figure is None:
        return Value(None, "—")
    return Value(figure["value"], fmt.number(figure))


def _charts(power: dict, series: list[dict], fmt: Formats, words: dict, codes: dict) -> dict:
    def bars(level: str, keys, title: str, heading: str):
        shares = power[level]["shares"]
        return paired_bars(
            title=words[title], description=words[title + "_desc"], chart_id=f"report-{level}",
            first=words["membership"], second=words["influence"], key_heading=words[heading],
            rows=[Pair(key, codes[key], _share(shares[key]["membership"], fmt),
                       _share(shares[key]["influence"], fmt)) for key in keys if key in shares])

    def value(exact: str | None) -> Value:
        return Value(None, "—") if exact is None else Value(float(Fraction(exact)),
                                                           fmt.fraction(exact))

    charts = {"categories": bars("categories", CATEGORIES, "chart_categories", "category"),
              "sides": bars("sides", SIDES, "chart_sides", "side"), "trend": None}
    if series:
        points = [f"{words['decision_n']} {n}" for n in range(1, len(series) + 1)]
        charts["trend"] = line_chart(
            title=words["trend"], description=words["trend_desc"], points=points,
            point_heading=words["decision_n"], chart_id="report-trend",
            lines=[Line(level, words[f"index_{level}"],
                        [value(p[level]["balance_index"]) for p in series])
                   for level in ("categories", "sides")])
        charts["trend_sides"] = line_chart(
            title=words["trend_sides"], description=words["trend_sides_desc"], points=points,
            point_heading=words["decision_n"], chart_id="report-trend-sides",
            lines=[Line(side, codes[side], [value(p["sides"]["shares"].get(side, {})
                                                   .get("influence")) for p in series])
                   for side in SIDES])
    return charts


def _principles(found: dict, fmt: Formats, words: dict, codes: dict) -> dict:
    rows = []
    for principle in PRINCIPLES:
        item = found["principles"][principle]
        own = item["reflections"]
        rows.append({
            "code": principle, "count": item["count"],
            "rules": ", ".join(sorted({codes.get(i["rule"], i["rule"]) for i in item["items"]})),
            "reflections": (words["mean_of"].format(mean=fmt.decimal(own["mean"]),
                                                    count=own["count"], spread=own["spread"])
                            if own["count"] else words["no_reflections"])})
    return {"rows": rows, "peer_network": fmt.number(found["peer_network"])}


def _level(found: dict, fmt: Formats, codes: dict) -> dict:
    def shown(value) -> str:
        if isinstance(value, dict):
            return "; ".join(f"{codes.get(k, k)}: {shown(v)}" for k, v in value.items())
        if isinstance(value, list):
            return ", ".join(codes.get(v, v) for v in value) or "—"
        if isinstance(value, str):
            return fmt.fraction(value)
        return "—" if value is None else str(value)

    return {"level": found["level"], "groups": [
        {"name": name, "conditions": [{"code": c["code"], "value": shown(c["value"]),
                                       "met": c["met"]} for c in conditions]}
        for name, conditions in found["conditions"].items()]}
