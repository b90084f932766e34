"""Spanish and English: the language of each request, the catalogs, and the domain's words.

The language is the one a person chose with the switcher (kept in their session), else the best
match of the browser's `Accept-Language`, else Spanish. The catalogs are kept as `.po` text in
`webapp/translations/` and compiled to `.mo` when the app starts and a `.po` is newer, so a fresh
clone needs no extra step. Codes (categories, roles, positions...) stay codes in events and in the
API; their labels here are the words of shared practice, the same on every page.
"""

import re
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import has_request_context, request, session
from flask_babel import Babel, force_locale, lazy_gettext as _l

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
TIMEZONE = "Europe/Madrid"  # times are shown, and typed, in the service's own zone
TRANSLATIONS = Path(__file__).parent / "translations"


def language() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def init_app(flask_app) -> None:
    compile_catalogs()
    Babel(flask_app, locale_selector=language, default_translation_directories=str(TRANSLATIONS),
          default_timezone=TIMEZONE)


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
CATEGORIES_IN_A_SENTENCE = {  # "comes from ..."
    "service_user": _l("people who use the service"),
    "carer": _l("family members and carers"),
    "community": _l("neighbours and the community"),
    "professional": _l("professionals"),
    "manager": _l("the management"),
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


# The API's error messages in Spanish: each English message (from marshmallow, the domain or the
# web layer) as a pattern whose named parts (field names, codes, numbers) are kept as they are.
ERRORS = [(re.compile(pattern), text) for pattern, text in [
    (r"Missing data for required field\.", _l("Missing data for required field.")),
    (r"Unknown field\.", _l("Unknown field.")),
    (r"Field may not be null\.", _l("Field may not be null.")),
    (r"Not a valid string\.", _l("Not a valid string.")),
    (r"Not a valid UUID\.", _l("Not a valid UUID.")),
    (r"Not a valid integer\.", _l("Not a valid integer.")),
    (r"Not a valid boolean\.", _l("Not a valid boolean.")),
    (r"Not a valid list\.", _l("Not a valid list.")),
    (r"Not a valid mapping type\.", _l("Not a valid mapping type.")),
    (r"Not a valid datetime\.", _l("Not a valid datetime.")),
    (r"Invalid input type\.", _l("Invalid input type.")),
    (r"Must be one of: (?P<choices>.+)\.", _l("Must be one of: %(choices)s.")),
    (r"Length must be between (?P<low>\d+) and (?P<high>\d+)\.",
     _l("Length must be between %(low)s and %(high)s.")),
    (r"Longer than maximum length (?P<high>\d+)\.", _l("Longer than maximum length %(high)s.")),
    (r"Shorter than minimum length (?P<low>\d+)\.", _l("Shorter than minimum length %(low)s.")),
    (r"Must be greater than or equal to (?P<low>\S+) and less than or equal to (?P<high>\S+)\.",
     _l("Must be greater than or equal to %(low)s and less than or equal to %(high)s.")),
    (r"the body must be a JSON object", _l("the body must be a JSON object")),
    (r"an id", _l("an id")),
    (r'a fraction such as "2/3" or "0\.5"', _l('a fraction such as "2/3" or "0.5"')),
    (r"(?P<field>\S+) must be a fraction such as '2/3' or '0\.5'(?:, not (?P<value>.+))?",
     _l("%(field)s must be a fraction such as '2/3' or '0.5'")),
    (r"(?P<kind>\w+) is given exactly when kind is \w+",
     _l("%(kind)s is given exactly when kind is %(kind)s")),
    (r"required for a (?P<kind>\w+)", _l("required for a %(kind)s")),
    (r"not part of a (?P<kind>\w+)", _l("not part of a %(kind)s")),
    (r"sign in, or send an API token in the Authorization header",
     _l("sign in, or send an API token in the Authorization header")),
    (r"the API token is not valid", _l("the API token is not valid")),
    (r"missing or wrong X-CSRF-Token header", _l("missing or wrong X-CSRF-Token header")),
    (r"too many wrong passwords; try again later", _l("too many wrong passwords; try again later")),
    (r"too many password checks at once; try again in a moment",
     _l("too many password checks at once; try again in a moment")),
    (r"the email or the password is wrong", _l("the email or the password is wrong")),
    (r"1 to 200 visible ASCII characters", _l("1 to 200 visible ASCII characters")),
    (r"no event has this position yet", _l("no event has this position yet")),
    (r"the read models have not reached this position yet; retry shortly",
     _l("the read models have not reached this position yet; retry shortly")),
    (r"no account has this email", _l("no account has this email")),
    (r"internal error; request id (?P<id>\S+)", _l("internal error; request id %(id)s")),
    (r"there is no (?P<what>[\w ]+) with id (?P<id>\S+)", _l("there is no %(what)s with id %(id)s")),
    (r"(?P<id>\S+) is already a member of this group",
     _l("%(id)s is already a member of this group")),
    (r"(?P<id>\S+) is not a member of this group", _l("%(id)s is not a member of this group")),
    (r"a proposal can be amended only until its first vote",
     _l("a proposal can be amended only until its first vote")),
    (r"a member already sees the group; an auditor is from outside it",
     _l("a member already sees the group; an auditor is from outside it")),
    (r"a role change names member_id, role and action",
     _l("a role change names member_id, role and action")),
    (r"a rule change is decided under the group's rule in force",
     _l("a rule change is decided under the group's rule in force")),
    (r"an observer cannot hold a leadership role \(chair, facilitator\)",
     _l("an observer cannot hold a leadership role (chair, facilitator)")),
    (r"an ordinary proposal changes no role or rule", _l("an ordinary proposal changes no role or rule")),
    (r"only a supermajority rule takes a threshold", _l("only a supermajority rule takes a threshold")),
    (r"scores must give at least one principle a score",
     _l("scores must give at least one principle a score")),
    (r"support is given to another member", _l("support is given to another member")),
    (r"this person already audits the group", _l("this person already audits the group")),
    (r"a (?P<kind>\w+) proposal must say what it changes",
     _l("a %(kind)s proposal must say what it changes")),
    (r"each tag must be a word of 1 to (?P<high>\d+) characters",
     _l("each tag must be a word of 1 to %(high)s characters")),
    (r"quorum must lie between 0 and 1, not (?P<value>.+)",
     _l("quorum must lie between 0 and 1, not %(value)s")),
    (r"rule must be one of (?P<choices>.+), not (?P<value>.+)",
     _l("rule must be one of %(choices)s, not %(value)s")),
    (r"tags must be a list of at most (?P<high>\d+) words",
     _l("tags must be a list of at most %(high)s words")),
    (r"the member already holds the role (?P<role>\w+)",
     _l("the member already holds the role %(role)s")),
    (r"the member does not hold the role (?P<role>\w+)",
     _l("the member does not hold the role %(role)s")),
    (r"the member's category is already (?P<category>\w+)",
     _l("the member's category is already %(category)s")),
    (r"the score for (?P<principle>\w+) must be a whole number 1 to 5",
     _l("the score for %(principle)s must be a whole number 1 to 5")),
    (r"threshold must be above 1/2 and at most 1, not (?P<value>.+)",
     _l("threshold must be above 1/2 and at most 1, not %(value)s")),
    (r"unknown fields: (?P<fields>.+)", _l("unknown fields: %(fields)s")),
    (r"(?P<field>\S+) is longer than (?P<high>\d+) characters",
     _l("%(field)s is longer than %(high)s characters")),
    (r"(?P<field>\S+) must be a person's id \(a UUID\), not (?P<value>.+)",
     _l("%(field)s must be a person's id (a UUID), not %(value)s")),
    (r"(?P<field>\S+) must be one of (?P<choices>.+), not (?P<value>.+)",
     _l("%(field)s must be one of %(choices)s, not %(value)s")),
    (r"(?P<field>\S+) must be text", _l("%(field)s must be text")),
    (r"(?P<field>\S+) must not be empty", _l("%(field)s must not be empty")),
    (r"an auditor can read this group but change nothing",
     _l("an auditor can read this group but change nothing")),
    (r"observers may follow the group but not propose or vote",
     _l("observers may follow the group but not propose or vote")),
    (r"only the proposer may amend a proposal", _l("only the proposer may amend a proposal")),
    (r"only the proposer may withdraw a proposal", _l("only the proposer may withdraw a proposal")),
    (r"only a (?P<roles>[\w ]+) may (?P<doing>.+)", _l("only a %(roles)s may %(doing)s")),
    (r"the proposal is (?P<status>\w+): nothing more can happen to it",
     _l("the proposal is %(status)s: nothing more can happen to it")),
    (r"the proposal reached its deadline \((?P<at>\S+)\) and closes by itself: nothing more "
     r"can happen to it",
     _l("the proposal reached its deadline (%(at)s) and closes by itself: nothing more can "
        "happen to it")),
    (r"closes_at must be an ISO 8601 time with a time zone, such as (?P<example>\S+)",
     _l("closes_at must be an ISO 8601 time with a time zone, such as %(example)s")),
    (r"closes_at must be between (?P<low>\d+) minutes and (?P<high>\d+) days from now "
     r"\((?P<now>\S+)\)",
     _l("closes_at must be between %(low)s minutes and %(high)s days from now (%(now)s)")),
    (r"an ISO 8601 time", _l("an ISO 8601 time")),
    (r"an ISO 8601 time with its time zone", _l("an ISO 8601 time with its time zone")),
    (r"there is no comment (?P<id>\S+) on this proposal",
     _l("there is no comment %(id)s on this proposal")),
    (r"a reply answers a comment, not another reply: reply to the comment (?P<id>\S+) instead",
     _l("a reply answers a comment, not another reply: reply to the comment %(id)s instead")),
    (r"reply_to must be a comment's id, not (?P<value>.+)",
     _l("reply_to must be a comment's id, not %(value)s")),
    (r"not a cursor given by this list", _l("not a cursor given by this list")),
    # Reading a request (webapp/inputs.py, schemas.Strict, webapp/idempotency.py)
    (r"the URL is longer than (?P<high>\d+) characters",
     _l("the URL is longer than %(high)s characters")),
    (r"more than (?P<high>\d+) headers", _l("more than %(high)s headers")),
    (r"a header is longer than (?P<high>\d+) characters",
     _l("a header is longer than %(high)s characters")),
    (r"the body is larger than (?P<high>\d+) bytes", _l("the body is larger than %(high)s bytes")),
    (r"the body is not UTF-8 text", _l("the body is not UTF-8 text")),
    (r"the body nests more than (?P<high>\d+) levels deep",
     _l("the body nests more than %(high)s levels deep")),
    (r"the body is not valid JSON: (?P<detail>.+)", _l("the body is not valid JSON: %(detail)s")),
    (r"send the body as JSON, with Content-Type: application/json",
     _l("send the body as JSON, with Content-Type: application/json")),
    (r"the body must be a JSON object", _l("the body must be a JSON object")),
    (r"an id", _l("an id")),
    (r"must not contain control characters", _l("must not contain control characters")),
    (r"must contain a visible character", _l("must contain a visible character")),
    (r"must not contain NUL characters", _l("must not contain NUL characters")),
    (r"is not valid Unicode text \(it holds a lone surrogate\)",
     _l("is not valid Unicode text (it holds a lone surrogate)")),
    (r"the number is out of range", _l("the number is out of range")),
    (r"holds a name that is not valid text", _l("holds a name that is not valid text")),
    (r"at most (?P<high>\d+)", _l("at most %(high)s")),
    (r"this key was already used for another request \(another endpoint or another body\); "
     r"use a new key for a new request",
     _l("this key was already used for another request (another endpoint or another body); "
        "use a new key for a new request")),
    (r"a request with this key is still running; retry shortly",
     _l("a request with this key is still running; retry shortly")),
    ('the current password is wrong',
     _l('the current password is wrong')),
    ('the password must have at least (?P<low>\\d+) characters',
     _l('the password must have at least %(low)s characters')),
    ('a name is needed',
     _l('a name is needed')),
    ('(?P<email>\\S+) is not an email address',
     _l('%(email)s is not an email address')),
    ('an account with the email (?P<email>\\S+) already exists',
     _l('an account with the email %(email)s already exists')),
    ('there is no such password-reset link',
     _l('there is no such password-reset link')),
    ('this password-reset link was used or has expired; ask for a new one',
     _l('this password-reset link was used or has expired; ask for a new one')),
    ('there is no such invitation',
     _l('there is no such invitation')),
    ('this invitation was withdrawn',
     _l('this invitation was withdrawn')),
    ('this invitation has already been used',
     _l('this invitation has already been used')),
    ('this invitation has expired',
     _l('this invitation has expired')),
    ('there is no open invitation with this id',
     _l('there is no open invitation with this id')),
    ('the person who sent this invitation can no longer admit members',
     _l('the person who sent this invitation can no longer admit members')),
    ('a reason is needed to remove a member',
     _l('a reason is needed to remove a member')),
    ("the last chair cannot leave while the group has other members: give the chair role to "
     "someone first",
     _l("the last chair cannot leave while the group has other members: give the chair role "
        "to someone first")),
    ('people name their own category; only the member can change it',
     _l('people name their own category; only the member can change it')),
    ('you can leave only for yourself; a chair removes other members',
     _l('you can leave only for yourself; a chair removes other members')),
    ('to leave the group yourself, use leave',
     _l('to leave the group yourself, use leave')),
    ('mail is not configured on this server; ask its operator for a reset link',
     _l('mail is not configured on this server; ask its operator for a reset link')),
    ('not a cursor this API gave',
     _l('not a cursor this API gave')),
    # Found by tests/test_i18n.py, which reads every error message the code can raise
    (r"the change kept conflicting with others after (?P<n>\d+) attempts; try again",
     _l("the change kept conflicting with others after %(n)s attempts; try again")),
    (r"decision_rule must give rule, quorum and \(for a supermajority\) threshold",
     _l("decision_rule must give rule, quorum and (for a supermajority) threshold")),
    (r"(?P<principle>\S+) is not a principle; use (?P<choices>.+)",
     _l("%(principle)s is not a principle; use %(choices)s")),
    (r"an auditor of the group cannot become a member of it: an auditor stays outside the "
     r"group it audits",
     _l("an auditor of the group cannot become a member of it: an auditor stays outside the "
        "group it audits")),
    (r"a proposal's quorum may not be lower than the group's \((?P<quorum>\S+)\)",
     _l("a proposal's quorum may not be lower than the group's (%(quorum)s)")),
    (r"the proposal is not open past a deadline", _l("the proposal is not open past a deadline")),
    (r"(?P<field>\S+) must be a fraction such as '2/3' or '0\.5' \(a/b of at most "
     r"(?P<digits>\d+) digits each, or a decimal with at most (?P<places>\d+) places; no sign, "
     r"no exponent\)",
     _l("%(field)s must be a fraction such as '2/3' or '0.5' (a/b of at most %(digits)s digits "
        "each, or a decimal with at most %(places)s places; no sign, no exponent)")),
    (r"(?P<field>\S+) must not divide by zero", _l("%(field)s must not divide by zero")),
    (r"text_id must be a text's id \(a UUID\), not (?P<value>.+)",
     _l("text_id must be a text's id (a UUID), not %(value)s")),
    (r"could not create a token; try again", _l("could not create a token; try again")),
    (r"there is no account with this id", _l("there is no account with this id")),
    (r"give either since or cursor", _l("give either since or cursor")),
    (r"differs from the as_of the cursor continues",
     _l("differs from the as_of the cursor continues")),
    (r"too many sign-ins at once; try again in a moment",
     _l("too many sign-ins at once; try again in a moment")),
    (r"no event of any group cites the text (?P<id>\S+)",
     _l("no event of any group cites the text %(id)s")),
    (r"the text (?P<id>\S+) is already redacted", _l("the text %(id)s is already redacted")),
    (r"(?P<field>\w+) must be one of (?P<choices>.+)",
     _l("%(field)s must be one of %(choices)s")),
    (r"this server signs no checkpoints \(no signing key is configured\)",
     _l("this server signs no checkpoints (no signing key is configured)")),
    (r"no checkpoint has been signed yet", _l("no checkpoint has been signed yet")),
    (r"no event is stored at position (?P<position>\d+)",
     _l("no event is stored at position %(position)s")),
    (r"the group has no events up to position (?P<position>\d+)",
     _l("the group has no events up to position %(position)s")),
    (r"a message is a JSON object with a type", _l("a message is a JSON object with a type")),
    (r"at most (?P<high>\d+) characters", _l("at most %(high)s characters")),
    (r"not a command this socket accepts", _l("not a command this socket accepts")),
    (r"this socket follows another group", _l("this socket follows another group")),
    (r"this origin may not open the socket", _l("this origin may not open the socket")),
    (r"a log position: a whole number, 0 or more",
     _l("a log position: a whole number, 0 or more")),
    (r"mail is not configured on this server \(RECIPROCA_SMTP_URL\)",
     _l("mail is not configured on this server (RECIPROCA_SMTP_URL)")),
    (r"the figures are unavailable until the server's operator fixes its set-up; try again later",
     _l("the figures are unavailable until the server's operator fixes its set-up; try again "
        "later")),
    (r"(?P<busy>.+) and has not reached position (?P<position>\d+) within (?P<seconds>\d+) s; "
     r"try again shortly",
     _l("%(busy)s and has not reached position %(position)s within %(seconds)s s; try again "
        "shortly")),
    (r"the password must be text", _l("the password must be text")),
    (r"the password must be text \(it holds an invalid character\)",
     _l("the password must be text (it holds an invalid character)")),
    (r"the password must have at most (?P<high>\d+) characters",
     _l("the password must have at most %(high)s characters")),
    (r"the password is too predictable: a passphrase of a few words is easy to remember",
     _l("the password is too predictable: a passphrase of a few words is easy to remember")),
    (r"the password is too common: choose another, such as a phrase of a few words",
     _l("the password is too common: choose another, such as a phrase of a few words")),
]]


def api_language() -> str:
    """The API answers in English unless the caller asks for Spanish (a script that sends no
    Accept-Language keeps the messages it was written against)."""
    chosen = session.get("lang") if has_request_context() else None
    if chosen in LANGUAGES:
        return chosen
    if not has_request_context():
        return "en"
    return request.accept_languages.best_match(LANGUAGES) or "en"


def translated(message: str, language: str | None = None, *, words: bool = False) -> str:
    """One error message in `language` (by default the API caller's); unknown messages stay
    as they are. With `words` (for pages) the codes it names, such as a category or a role,
    become their labels; the API keeps the codes scripts send."""
    language = language or api_language()
    if language == "en" and not words:
        return message
    with force_locale(language):
        for pattern, text in ERRORS:
            found = pattern.fullmatch(message)
            if found:
                parts = {key: str(CODE_LABELS[value]) if words and value in CODE_LABELS
                         else value for key, value in found.groupdict().items()}
                return str(text) % parts if parts else str(text)
    return message


CODE_LABELS = {**CATEGORIES, **ROLES, **RULES, **SCOPES}
