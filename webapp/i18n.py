"""Spanish and English: the language of each request, the catalogs, and the domain's words.

The language is the one a person chose with the switcher (kept in their session), else the best
match of the browser's `Accept-Language`, else Spanish. The catalogs are kept as `.po` text in
`webapp/translations/` and compiled to `.mo` when the app starts and a `.po` is newer, so a fresh
clone needs no extra step. Codes (categories, roles, positions...) stay codes in events and in the
API; their labels here are the words of shared practice, the same on every page.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request, session
from flask_babel import Babel, lazy_gettext as _l

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
TRANSLATIONS = Path(__file__).parent / "translations"


def language() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def init_app(flask_app) -> None:
    compile_catalogs()
    Babel(flask_app, locale_selector=language, default_translation_directories=str(TRANSLATIONS),
          default_timezone="Europe/Madrid")


def compile_catalogs() -> None:
    """Compile each `.po` whose `.mo` is missing or older (a no-op on an unchanged install)."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        partial = mo.with_suffix(".mo.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalog)
        partial.replace(mo)


CATEGORIES = {
    "service_user": _l("person who uses the service"),
    "carer": _l("family member or carer"),
    "community": _l("neighbour or community member"),
    "professional": _l("service professional"),
    "manager": _l("management"),
}
CATEGORIES_PLURAL = {
    "service_user": _l("People who use the service"),
    "carer": _l("Family members and carers"),
    "community": _l("Neighbours and community"),
    "professional": _l("Professionals"),
    "manager": _l("Management"),
}
SIDES = {
    "lived_experience": _l("Lived experience"),
    "provider": _l("Providers"),
}
ROLES = {
    "chair": _l("chair"),
    "facilitator": _l("facilitation"),
    "note_taker": _l("note-taking"),
    "member": _l("member"),
    "observer": _l("observer"),
}
SCOPES = {
    "delivery": _l("delivery of the service"),
    "design": _l("design"),
    "governance": _l("governance"),
    "recruitment_training": _l("recruitment and training"),
    "risk": _l("risks"),
}
POSITIONS = {
    "for": _l("For"),
    "against": _l("Against"),
    "abstain": _l("Abstain"),
    "block": _l("Block"),
}
RULES = {
    "majority": _l("majority"),
    "supermajority": _l("qualified majority"),
    "consensus": _l("consensus"),
    "consent": _l("consent"),
}
OUTCOMES = {
    "carried": _l("carried"),
    "rejected": _l("rejected"),
    "no_quorum": _l("no quorum"),
    "withdrawn": _l("withdrawn"),
    "open": _l("open"),
}
PRINCIPLES = {
    "asset_based": _l("Take an asset-based approach"),
    "capabilities": _l("Build on people's existing capabilities"),
    "reciprocity": _l("Reciprocity and mutuality"),
    "peer_support": _l("Peer support networks"),
    "blurring_distinctions": _l("Blur distinctions"),
    "facilitating": _l("Facilitate rather than deliver"),
}
LEVELS = {
    "compliance": _l("Compliance"),
    "support": _l("Support"),
    "transformation": _l("Transformation"),
    "insufficient_data": _l("Not enough record yet"),
}
