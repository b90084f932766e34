"""Spanish and English are complete: every string the pages and the API can show has a Spanish
translation with the same placeholders, and API errors answer in the language asked for."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "webapp" / "translations" / "es" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [("webapp/**.py", "python"), ("webapp/**/templates/**.html", "jinja2")]


def _catalog():
    with CATALOG.open("rb") as source:
        return read_po(source, locale="es")


def test_every_string_of_the_code_and_templates_has_a_spanish_translation():
    catalog = _catalog()
    wanted = {message[2] if isinstance(message[2], str) else message[2][0]
              for message in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS)
              if message[0].startswith("webapp")}
    missing = [m for m in wanted if not catalog.get(m) or not catalog.get(m).string]
    assert wanted and missing == []


def test_translations_keep_every_placeholder():
    for message in _catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\((\w+)\)s", ids[-1]))
        for text in strings:
            assert set(re.findall(r"%\((\w+)\)s", text)) <= wanted | {"num"}, message.id
            assert set(re.findall(r"%\((\w+)\)s", text)) >= wanted - {"num"}, message.id


def test_api_errors_answer_in_the_language_asked_for(web, people):
    client, auth = web.test_client(), people["ana"]["auth"]
    body = {"name": "Mesa", "purpose": "p", "category": "nobody",
            "decision_rule": {"rule": "majority", "quorum": "3/2"}}
    english = client.post("/api/groups", headers=auth, json=body).json["errors"]
    spanish = client.post("/api/groups", json=body,
                          headers={**auth, "Accept-Language": "es-ES,es;q=0.9"}).json["errors"]
    assert set(english) == set(spanish)
    assert english["category"][0].startswith("Must be one of: ")
    assert spanish["category"][0].startswith("Debe ser uno de: service_user")
    unknown = client.get("/api/groups/4f0c3a5e-8a49-4a0e-9b1e-2f3a6a0d1c11",
                         headers={**auth, "Accept-Language": "es"}).json["errors"]
    assert list(unknown.values())[0][0].startswith("no existe group con el identificador")
    signed_out = client.get("/api/groups/x", headers={"Accept-Language": "es"}).json["errors"]
    assert signed_out["_"] == ["entra con tu cuenta, o envía un token de la API en la cabecera "
                               "Authorization"]
