"""The accountability report of the demo group, in Spanish and English: its content, the
signed checkpoint it carries, nothing fetched from elsewhere, and a PDF from printing it."""

import json
import re
import shutil
import subprocess

import pytest

from projections import checkpoints
from projections.queries import groups
from webapp import storage
from webapp.cli import main

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo store, folded, with a signing key; (environment, group id, tmp dir)."""
    folder = tmp_path_factory.mktemp("report")
    env = {"RECIPROCA_DATABASE_URL": f"sqlite:///{folder / 'reciproca.sqlite'}",
           "RECIPROCA_INSTANCE_PATH": str(folder / "instance"),
           checkpoints.KEY_SETTING: str(folder / "instance" / "signing-key.pem")}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        assert main(["init"]) == 0 and main(["demo"]) == 0 and main(["keygen"]) == 0
    app = storage.open_application(env["RECIPROCA_DATABASE_URL"])
    runner = storage.open_runner(app, env["RECIPROCA_DATABASE_URL"])
    try:
        runner.catch_up()
        group_id = groups(runner.views)[0]
    finally:
        storage.close_views(runner.views)
        storage.close(app)
    return env, group_id, folder


def report(demo, monkeypatch, *args) -> str:
    env, group_id, folder = demo
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = folder / f"report{'-'.join(args)}.html"
    assert main(["report", group_id, "--out", str(out), *args]) == 0
    return out.read_text(encoding="utf-8")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_spanish_report_tells_how_the_group_decided(demo, monkeypatch):
    html = report(demo, monkeypatch)
    text = text_of(html)
    assert '<html lang="es">' in html
    assert "Informe de rendición de cuentas" in text
    assert "Mesa de coproducción del Centro de Salud Mental Comunitaria" in text
    assert "Periodo 2026-08-27 a 2026-11-23" in text
    assert "Abrir el centro los jueves por la tarde, con acogida sin cita" in text
    assert "mayoría (quórum 1/2)" in text and "aprobada" in text and "sin quórum" in text
    assert "Nivel de coproducción: transformación" in text
    for principle in ("Enfoque basado en activos", "Reciprocidad",
                      "Facilitar en lugar de suministrar"):
        assert principle in text
    assert "Por fin nos preguntan" in text  # a member's reflection, beside the evidence
    assert "Personas usuarias" in text and "Experiencia vivida" in text
    assert html.count("<svg") == 4  # categories, sides, and two trends


def test_the_english_report_and_its_checkpoint(demo, monkeypatch):
    env, _, _ = demo
    html = report(demo, monkeypatch, "--lang", "en")
    text = text_of(html)
    assert '<html lang="en">' in html and "Accountability report" in text
    assert "Co-production level: transformation" in text and "carried" in text
    assert "Balance index between sides" in text and "Service users" in text
    document = json.loads(re.search(r"<pre>(.*?)</pre>", html, re.S).group(1)
                          .replace("&#34;", '"').replace("&quot;", '"'))
    key = checkpoints.load_key_file(env[checkpoints.KEY_SETTING])
    assert checkpoints.check(document, checkpoints.public_bytes(key)) is None
    assert document["size"] == 186 and document["root"] in text


def test_a_report_as_of_a_past_position(demo, monkeypatch):
    text = text_of(report(demo, monkeypatch, "--lang", "en", "--as-of", "60"))
    assert "Record positions 1–60" in text
    assert "Abrir el centro los jueves" in text and "Reuniones mensuales" not in text
    assert "Checkpoint document" in text  # the latest checkpoint covers position 60 too


def test_the_report_is_self_contained(demo, monkeypatch):
    html = report(demo, monkeypatch)
    assert not re.search(r"<(script|link|img|iframe|object)\b", html)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "url(http" not in html and "@import" not in html


def test_printing_it_gives_a_pdf_of_several_pages(demo, monkeypatch, tmp_path):
    if not shutil.which(CHROMIUM):  # a missing browser fails, never skips: .ci/run installs it
        pytest.fail("Debian's chromium is missing: apt-get install chromium fonts-dejavu-core")
    html_path = tmp_path / "report.html"
    html_path.write_text(report(demo, monkeypatch), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html_path.as_uri()],
                   check=True, capture_output=True, timeout=120)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert int(re.search(rb"/Count (\d+)", data).group(1)) >= 4
