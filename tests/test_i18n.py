"""Spanish and English are complete: every string the pages and the API can show has a Spanish
translation with the same placeholders, and API errors answer in the language asked for."""

import ast
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


# Every error message the API, the pages and the socket can give, read from the code itself: the
# first argument of each domain or account error, the message of each ValidationError, abort()
# and error_response(), and the reasons password_problem() returns. A placeholder of an f-string
# becomes "1" (a module's text constant becomes its text).
OPERATOR_FILES = {"webapp/cli.py", "webapp/audit_cli.py", "domain/settings.py"}  # the terminal's
MESSAGE_AT = {"abort": 1, "error_response": 1, "ValidationError": 0, **{name: 0 for name in (
    "DomainError", "InvalidValue", "NotFound", "NotAMember", "UnknownMember", "NotAllowed",
    "AlreadyMember", "LastChair", "ProposalClosed", "AmendmentTooLate", "ConcurrencyConflict",
    "AccountError", "LinkGone")}}
MESSAGE_FUNCTIONS = {"password_problem"}
SAMPLES = {  # a placeholder "1" cannot stand for: the message as it really reads
    "closes_at must be between 1 and 1 from now (1)":
        "closes_at must be between 10 minutes and 90 days from now (2026-12-01T18:00:00+00:00)",
}


def _texts(node, constants: dict) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(part.value if isinstance(part, ast.Constant) else
                        (constants.get(getattr(part.value, "id", None)) or "1")
                        for part in node.values)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [text for item in node.elts for text in _texts(item, constants)]
    if isinstance(node, ast.Dict):
        return [text for item in node.values for text in _texts(item, constants)]
    return []


def _name(call: ast.Call) -> str | None:
    return getattr(call.func, "id", None) or getattr(call.func, "attr", None)


def error_messages() -> set[str]:
    found = set()
    for path in sorted([*ROOT.glob("webapp/**/*.py"), *ROOT.glob("domain/*.py")]):
        if str(path.relative_to(ROOT)) in OPERATOR_FILES:
            continue
        tree = ast.parse(path.read_text())
        constants = {target.id: text for node in tree.body if isinstance(node, ast.Assign)
                     for target in node.targets if isinstance(target, ast.Name)
                     for text in _texts(node.value, {})[:1]}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and len(node.args) > MESSAGE_AT.get(_name(node), 99):
                found.update(_texts(node.args[MESSAGE_AT[_name(node)]], constants))
            if isinstance(node, ast.FunctionDef) and node.name in MESSAGE_FUNCTIONS:
                found.update(text for inner in ast.walk(node) if isinstance(inner, ast.Return)
                             and inner.value is not None
                             for text in _texts(inner.value, constants))
    return {SAMPLES.get(m, m) for m in found if not m.startswith("RECIPROCA_")}


def test_every_error_message_the_code_can_raise_has_a_spanish_translation(web):
    from webapp.i18n import translated

    messages = error_messages()
    assert "the current password is wrong" in messages  # the reader finds what it should
    assert "the password is too common: choose another, such as a phrase of a few words" \
        in messages
    assert "no checkpoint has been signed yet" in messages  # the ledger's API
    with web.test_request_context():
        untranslated = sorted(m for m in messages if translated(m, "es") == m)
    assert untranslated == []


def test_the_catalogue_defines_each_message_once():
    """Two engineers adding the same message would make gettext's msgfmt refuse the file."""
    blocks = CATALOG.read_text().split("\n\n")
    ids = ["".join(re.findall(r'"(.*)"', found.group(1))) for found in
           (re.search(r'^msgid ((?:".*"\n?)+)', block, re.M) for block in blocks) if found]
    assert [i for i in set(ids) if ids.count(i) > 1] == []
