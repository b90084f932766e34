"""The deployment file's structure: no Docker engine runs here, so docker-compose.yml is parsed and
checked for what the scaled-out topology needs (the same topology runs for real in the
two-process PostgreSQL tests)."""

import re
from pathlib import Path

import pytest
import yaml

from webapp.cli import parser

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_postgres_keeps_its_data_in_a_volume_and_says_when_it_is_ready(compose):
    db = compose["services"]["db"]
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"]
    assert "pgdata" in compose["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_tables_are_created_once_before_any_web_process_starts(compose):
    services = compose["services"]
    assert services["init"]["command"] == ["reciproca", "init"]
    assert services["init"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["web"]["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_two_web_replicas_serve_with_options_the_command_line_accepts(compose):
    web = compose["services"]["web"]
    assert web["deploy"]["replicas"] == 2
    command = web["command"]
    assert command[:2] == ["reciproca", "serve"]
    options = parser().parse_args(command[1:])
    assert (options.host, options.port) == ("0.0.0.0", 8000)
    assert options.workers >= 2 and options.threads >= 16
    assert "8000" in web["healthcheck"]["test"][-1]


def test_production_settings_are_required_not_defaulted(compose):
    env = compose["services"]["web"]["environment"]
    assert env["RECIPROCA_ENV"] == "production"
    assert env["RECIPROCA_DATABASE_URL"].startswith("postgresql://")
    assert "@db:5432/" in env["RECIPROCA_DATABASE_URL"]
    for name in ("RECIPROCA_SECRET_KEY", "RECIPROCA_PUBLIC_URL"):
        assert re.fullmatch(r"\$\{%s:\?[^}]+\}" % name, env[name]), name
    # The signing key is a secret file, never a value in the database or the environment.
    assert env["RECIPROCA_SIGNING_KEY_FILE"].startswith("/run/secrets/")
    assert compose["services"]["web"]["secrets"] == ["signing_key"]
    assert compose["secrets"]["signing_key"]["file"].startswith("${RECIPROCA_SIGNING_KEY:?")


def test_the_proxy_balances_http_and_websockets_and_forwards_the_client_address(compose):
    proxy = compose["services"]["proxy"]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    conf = compose["configs"][proxy["configs"][0]["source"]]["content"]
    assert "server web:8000" in conf and "proxy_pass http://reciproca" in conf
    assert "proxy_http_version 1.1" in conf
    assert "proxy_set_header Upgrade $$http_upgrade" in conf
    assert "proxy_set_header Connection $$connection_upgrade" in conf
    assert "X-Forwarded-For $$proxy_add_x_forwarded_for" in conf
    assert "X-Forwarded-Proto $$scheme" in conf
    assert "return 301 https://" in conf and "listen 443 ssl" in conf
    # One proxy in front: the app trusts exactly one forwarded hop.
    assert compose["services"]["web"]["environment"]["RECIPROCA_TRUSTED_PROXIES"] == "1"


def test_every_setting_an_operator_must_give_is_explained_in_the_deploy_guide(compose):
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert required == {"POSTGRES_PASSWORD", "RECIPROCA_SECRET_KEY", "RECIPROCA_PUBLIC_URL",
                        "RECIPROCA_SIGNING_KEY", "RECIPROCA_TLS_DIR"}
    assert all(name in guide for name in required)


def test_the_image_installs_the_project_and_serves_it():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for package in ("domain", "projections", "webapp"):
        assert f"COPY {package} ./{package}" in dockerfile
    assert "pip install --no-cache-dir ." in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert 'CMD ["reciproca", "serve"' in dockerfile


def test_a_plain_install_carries_every_file_the_app_reads(tmp_path):
    """The image runs `pip install .` on the copied sources (not an editable install):
    templates, static assets, translations and the password list must be in the wheel, or pages
    fail only in production. Built from a copy of exactly what the image copies."""
    import shutil
    import subprocess
    import sys
    import zipfile

    tracked = subprocess.run(["git", "ls-files", "domain", "projections", "webapp"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    source = tmp_path / "source"
    for path in [*tracked, "pyproject.toml", "README.md"]:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, source / path)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q",
                    "-w", str(tmp_path)], check=True)
    wheel = next(tmp_path.glob("reciproca-*.whl"))
    data = {path for path in tracked if not path.endswith(".py")}
    assert data and data <= set(zipfile.ZipFile(wheel).namelist())
