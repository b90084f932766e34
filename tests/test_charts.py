"""The charts: well-formed SVG with a title and description, the numbers as a table, user text
inert, and a category drawn the same way on every chart."""

import re
import xml.etree.ElementTree as ET

import pytest

from webapp.charts import STYLES, Line, Pair, Value, line_chart, paired_bars

SVG = "{http://www.w3.org/2000/svg}"


def _bars(label="Personas usuarias", chart_id="power"):
    return paired_bars(
        title="Membership and influence", description="Two bars per category",
        first="Membership", second="Influence", key_heading="Category", chart_id=chart_id,
        rows=[Pair("service_user", label, Value(0.375, "3 of 8 (38 %)", "/trace/m"),
                   Value(0.5, "1 of 2 (50 %)")),
              Pair("professional", "Professionals", Value(None, "—"), Value(0.0, "0 %"))])


def _parsed(html: str) -> ET.Element:
    return ET.fromstring(html.replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def test_paired_bars_have_title_description_and_the_numbers_as_a_table():
    figure = _parsed(str(_bars()))
    svg = figure.find(f".//{SVG}svg")
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Membership and influence"
    assert svg.find(f"{SVG}desc").text == "Two bars per category"
    assert svg.get("aria-labelledby") == "power-title power-desc"
    rows = figure.findall(".//table/tbody/tr")
    assert [r.find("th").text for r in rows] == ["Personas usuarias", "Professionals"]
    assert rows[0].find("td/a").get("href") == "/trace/m"
    assert rows[0].find("td/a").text == "3 of 8 (38 %)"
    assert [td.text for td in rows[1].findall("td")] == ["—", "0 %"]


def test_bar_lengths_follow_the_fractions():
    svg = _parsed(str(_bars())).find(f".//{SVG}svg")
    widths = [float(r.get("width")) for r in svg.iter(f"{SVG}rect")
              if r.get("height") == "20" and r.get("fill-opacity") is None
              and r.get("fill", "").startswith("#") and r.get("stroke") is None]
    assert widths == [170.0, 1.0]  # the solid bars: 1/2 of 340, and a sliver for zero


def test_user_text_is_inert_and_no_style_attribute_is_used():
    html = str(_bars(label='<script>alert(1)</script>"&'))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "style=" not in html and "<style" not in html
    _parsed(html)  # still well-formed


def test_every_pattern_a_bar_uses_is_defined():
    html = str(_bars())
    used = set(re.findall(r'fill="url\(#([^)]+)\)"', html))
    defined = set(re.findall(r'<pattern id="([^"]+)"', html))
    assert used and used <= defined


def test_a_category_keeps_its_colour_and_pattern_on_every_chart():
    first, second = str(_bars(chart_id="a")), str(_bars(chart_id="b"))
    colour = STYLES["service_user"][0]
    for html in (first, second):
        assert f'stroke="{colour}"' in html
        assert re.search(r'<pattern id="[ab]-carer"', html) is None
        assert re.search(r'<pattern id="[ab]-service_user"', html)


def test_ids_must_be_plain_identifiers():
    with pytest.raises(ValueError):
        _bars(chart_id='x" onload="alert(1)')


def test_line_chart_draws_each_series_and_tabulates_each_point():
    html = str(line_chart(
        title="Balance index", description="After each decision", point_heading="Decision",
        points=["1 March", "8 March", "15 March"], chart_id="trend",
        lines=[Line("sides", "Between sides", [Value(0.5, "0.50"), Value(0.75, "0.75"),
                                               Value(1.0, "1.00")]),
               Line("categories", "Between categories", [Value(None, "—"), Value(0.25, "0.25"),
                                                         Value(0.5, "0.50")])]))
    figure = _parsed(html)
    lines = figure.findall(f".//{SVG}polyline")
    assert len(lines) == 2 and lines[1].get("stroke-dasharray")
    assert lines[0].get("points").split()[-1].endswith(",12.0")  # 1.0 at the top of the plot
    rows = figure.findall(".//table/tbody/tr")
    assert [[td.text for td in r.findall("td")] for r in rows] == [
        ["0.50", "—"], ["0.75", "0.25"], ["1.00", "0.50"]]
