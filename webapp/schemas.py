"""Marshmallow schemas for every input and output of the JSON API.

Inputs reject unknown fields and bound every size; a bad input is answered 422 naming each bad
field, before anything is written. Every input schema derives from `Strict`, which refuses,
wherever they appear, strings that the databases would not store alike (NUL, lone surrogates),
numbers too large to compute with, and integers beyond what a 64-bit column holds. Free text
is a `Text` field. The OpenAPI document is generated from these same classes.
"""

import base64
import binascii
import unicodedata
import uuid
from decimal import Decimal

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from domain.contribution import MAX_TAG_LENGTH, MAX_TAGS
from domain.errors import InvalidValue
from domain.rules import RULES, DecisionRule, parse_fraction
from domain.texts import TEXT_LIMITS
from domain.vocabulary import (
    CATEGORIES,
    CONTRIBUTION_KINDS,
    POSITIONS,
    PRINCIPLES,
    PROPOSAL_KINDS,
    ROLE_ACTIONS,
    ROLES,
    SCOPES,
)


INT_LIMIT = 2**63 - 1  # what a BIGINT column (and SQLite's INTEGER) holds
MAX_EXPONENT = 100  # a decimal such as 1e999999999 is refused before anything computes with it
_LINE_BREAKS = "\t\n\r"


class Text(fields.String):
    """Free text a person typed: stored in Unicode's composed form (NFC), without control
    characters other than line breaks and tabs, and with at least one visible character (a
    name of zero-width spaces names nobody)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = unicodedata.normalize("NFC", super()._deserialize(value, attr, data, **kwargs))
        if any(unicodedata.category(c) == "Cc" and c not in _LINE_BREAKS for c in text):
            raise ValidationError("must not contain control characters")
        if not any(unicodedata.category(c)[0] in "LNPS" for c in text):
            raise ValidationError("must contain a visible character")
        return text


def _text(field: str, *, required: bool = True) -> Text:
    return Text(required=required, validate=validate.Length(1, TEXT_LIMITS[field]),
                allow_none=not required)


def _problems(value, leaf) -> list | dict | None:
    """`leaf`'s messages for each string, number and object key in an input, keyed like
    marshmallow's own messages (a bad key is reported on the object that holds it)."""
    if isinstance(value, dict):
        if any(leaf(key) for key in value):
            return ["holds a name that is not valid text"]
        found = {key: _problems(item, leaf) for key, item in value.items()}
    elif isinstance(value, list):
        found = {index: _problems(item, leaf) for index, item in enumerate(value)}
    else:
        return leaf(value)
    return {key: problem for key, problem in found.items() if problem} or None


def _unstorable(value) -> list | None:
    """Text no database stores alike, or a number too large to compute with."""
    if isinstance(value, str):
        if "\x00" in value:
            return ["must not contain NUL characters"]
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return ["is not valid Unicode text (it holds a lone surrogate)"]
    elif isinstance(value, Decimal):
        if not value.is_finite() or abs(value.adjusted()) > MAX_EXPONENT:
            return ["the number is out of range"]
    return None


def _out_of_range(value) -> list | None:
    """An integer beyond what a 64-bit column holds."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT_LIMIT:
        return [f"at most {INT_LIMIT}"]
    return None


class FractionField(fields.Field):
    """An exact fraction: "2/3", "0.5", or a JSON number taken exactly as written; its form is
    checked before anything is computed (see domain.rules.parse_fraction)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return str(parse_fraction(value, attr or "value"))
        except InvalidValue as error:
            raise ValidationError(error.message) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class CursorField(fields.String):
    """An opaque page cursor: the encoded id of the last item of the previous page."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return str(uuid.UUID(base64.b64decode(text.encode("ascii"), altchars=b"-_",
                                                  validate=True).decode("ascii")))
        except (binascii.Error, UnicodeError, ValueError):
            raise ValidationError("not a cursor this API gave") from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else base64.urlsafe_b64encode(value.encode()).decode()


class Strict(Schema):
    """The base of every input schema: unknown fields, unstorable text and numbers out of
    range are refused, naming the field."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _storable(self, data, **kwargs):
        problems = _problems(data, _unstorable)
        if problems:
            raise ValidationError(problems if isinstance(problems, dict) else {"_": problems})
        return data

    @post_load
    def _in_range(self, data, **kwargs):
        problems = _problems(data, _out_of_range)
        if problems:
            raise ValidationError(problems)
        return data


class EmptyIn(Strict):
    """A body with nothing in it (an action such as close): unknown fields are refused."""


class DecisionRuleIn(Strict):
    rule = fields.String(required=True, validate=validate.OneOf(RULES))
    quorum = FractionField(load_default="1/2", metadata={"type": "string", "example": "1/2"})
    threshold = FractionField(metadata={"type": "string", "example": "2/3"})

    @validates_schema
    def _ranges(self, data, **kwargs):
        """The domain's own rule check: quorum in [0, 1], threshold in (1/2, 1]."""
        try:
            DecisionRule.parse(data["rule"], data.get("quorum"), data.get("threshold"))
        except InvalidValue as error:
            raise ValidationError(error.message, error.field) from None


class GroupIn(Strict):
    name = _text("name")
    purpose = _text("purpose")
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    decision_rule = fields.Nested(DecisionRuleIn, required=True)


class MemberIn(Strict):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    role = fields.String(load_default="member", validate=validate.OneOf(("member", "observer")))


class AuditorIn(Strict):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class RoleChangeIn(Strict):
    member_id = fields.UUID(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    action = fields.String(required=True, validate=validate.OneOf(ROLE_ACTIONS))


class ProposalIn(Strict):
    title = _text("title")
    body = _text("body")
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))
    kind = fields.String(load_default="ordinary", validate=validate.OneOf(PROPOSAL_KINDS))
    rule = fields.Nested(DecisionRuleIn)
    role_change = fields.Nested(RoleChangeIn)
    rule_change = fields.Nested(DecisionRuleIn)
    closes_at = fields.AwareDateTime(
        format="iso", error_messages={"invalid": "an ISO 8601 time", "invalid_awareness":
                                      "an ISO 8601 time with its time zone"},
        metadata={"description": "the proposal closes by itself then: 10 minutes to 90 days "
                                 "ahead", "example": "2026-12-01T18:00:00+01:00"})

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _change_matches_kind(self, data, original, **kwargs):
        """Judged on what was sent, so an invalid change is not also reported as missing."""
        for kind in ("role_change", "rule_change"):
            if (original.get("kind", "ordinary") == kind) != (kind in original):
                raise ValidationError(f"{kind} is given exactly when kind is {kind}", kind)


class AmendIn(Strict):
    title = _text("title")
    body = _text("body")


class CommentIn(Strict):
    body = _text("comment")
    reply_to = fields.UUID(allow_none=True, metadata={
        "description": "the comment this replies to (a comment, not a reply)"})


class VoteIn(Strict):
    position = fields.String(required=True, validate=validate.OneOf(POSITIONS))
    reason = _text("reason", required=False)
    voter_id = fields.UUID(metadata={"description": "a member present in person, whose vote "
                                                    "a chair, facilitator or note-taker records"})


class ContributionIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(CONTRIBUTION_KINDS))
    description = _text("description", required=False)
    tags = fields.List(Text(validate=validate.Length(1, MAX_TAG_LENGTH)),
                       validate=validate.Length(max=MAX_TAGS))
    to_member_id = fields.UUID()
    scores = fields.Dict(keys=fields.String(validate=validate.OneOf(PRINCIPLES)),
                         values=fields.Integer(strict=True, validate=validate.Range(1, 5)))
    comment = _text("comment", required=False)

    NEEDS = {"asset": {"description"}, "support": {"to_member_id", "description"},
             "task": {"description"}, "reflection": {"scores"}}
    ALLOWED = {"asset": {"description", "tags"}, "support": {"to_member_id", "description"},
               "task": {"description"}, "reflection": {"scores", "comment"}}

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _fields_match_kind(self, data, original, **kwargs):
        """Judged on what was sent, so an invalid field is not also reported as missing."""
        kind = data.get("kind")
        if kind not in self.NEEDS:
            return
        given = {k for k, v in original.items() if v is not None} - {"kind"}
        errors = {f: [f"required for a {kind}"] for f in self.NEEDS[kind] - given}
        errors |= {f: [f"not part of a {kind}"] for f in given - self.ALLOWED[kind]}
        if errors:
            raise ValidationError(errors)


class SignInIn(Strict):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(1, 1024))


class AfterQuery(Strict):
    after = fields.Integer(validate=validate.Range(min=0, max=2**62))


class ProposalsQuery(AfterQuery):
    status = fields.String(validate=validate.OneOf(("open", "closed", "withdrawn")))
    limit = fields.Integer(validate=validate.Range(1, 500), load_default=100)
    cursor = fields.String(validate=validate.Length(1, 200),
                           metadata={"description": "next_cursor of the previous page"})


class InvitationIn(Strict):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES),
                             metadata={"description": "where the newcomer starts; they can "
                                                      "change it themselves afterwards"})
    role = fields.String(load_default="member", validate=validate.OneOf(("member", "observer")))
    note = Text(validate=validate.Length(1, 200), metadata={
        "description": "a reminder for the group's chairs and facilitators (for whom it is); "
                       "never shown to the person invited"})
    expires_in_days = fields.Integer(strict=True, load_default=7,
                                     validate=validate.Range(1, 30))


class NewAccountIn(Strict):
    """Accepting an invitation without an account: the account is created as they join."""

    name = Text(required=True, validate=validate.Length(1, 120))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(1, 1024))


class PasswordChangeIn(Strict):
    current_password = fields.String(required=True, validate=validate.Length(1, 1024))
    new_password = fields.String(required=True, validate=validate.Length(1, 1024))


class ResetRequestIn(Strict):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class ResetIn(Strict):
    password = fields.String(required=True, validate=validate.Length(1, 1024))


class RemovalIn(Strict):
    reason = _text("reason")


class CategoryIn(Strict):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))


class GroupsQuery(AfterQuery):
    limit = fields.Integer(validate=validate.Range(1, 500), load_default=100)
    cursor = CursorField(validate=validate.Length(1, 200))


class ReadQuery(Strict):
    after = fields.Integer(validate=validate.Range(min=0))
    as_of = fields.Integer(validate=validate.Range(min=1))
    since = fields.Integer(validate=validate.Range(min=0), load_default=0)
    limit = fields.Integer(validate=validate.Range(1, 500), load_default=100)


class RecordQuery(ReadQuery):
    cursor = fields.String(validate=validate.Length(1, 200),
                           metadata={"description": "next_cursor of the previous page"})


# Outputs ------------------------------------------------------------------------------------

class Written(Schema):
    id = fields.String(required=True)
    position = fields.Integer(required=True)


class MemberWritten(Schema):
    member_id = fields.String(required=True)
    position = fields.Integer(required=True)


class AuditorWritten(Schema):
    auditor_id = fields.String(required=True)
    position = fields.Integer(required=True)


class InvitationWritten(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "the secret link, shown once"})
    expires_at = fields.String(required=True)


class InvitationOut(Schema):
    id = fields.String(required=True)
    category = fields.String(required=True)
    role = fields.String(required=True)
    note = fields.String(allow_none=True)
    invited_by = fields.String(required=True)
    created_at = fields.String(required=True)
    expires_at = fields.String(required=True)


class InvitationsOut(Schema):
    invitations = fields.List(fields.Nested(InvitationOut), required=True)


class InvitationPreview(Schema):
    """What a link shows before anyone signs in: the group and the place offered, no more."""

    group_name = fields.String(allow_none=True)
    group_purpose = fields.String(allow_none=True)
    category = fields.String(required=True)
    role = fields.String(required=True)
    expires_at = fields.String(required=True)


class Joined(Schema):
    member_id = fields.String(required=True)
    group_id = fields.String(required=True)
    position = fields.Integer(required=True)


class GroupSummary(Schema):
    id = fields.String(required=True)
    name = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    roles = fields.List(fields.String(), required=True)
    auditor = fields.Boolean(required=True)


class GroupsPage(Schema):
    groups = fields.List(fields.Nested(GroupSummary), required=True)
    next_cursor = CursorField(allow_none=True)


class MeOut(Schema):
    person_id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    admin = fields.Boolean(required=True)
    groups = fields.List(fields.Nested(GroupSummary), required=True)


class Closed(Written):
    outcome = fields.String(required=True, validate=validate.OneOf(
        ("carried", "rejected", "no_quorum")))
    decision = fields.Dict(required=True)


class MemberOut(Schema):
    id = fields.String(required=True)
    name = fields.String(allow_none=True)
    category = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)


class GroupOut(Schema):
    id = fields.String(required=True)
    name = fields.String(allow_none=True)
    purpose = fields.String(allow_none=True)
    decision_rule = fields.Dict(required=True)
    members = fields.List(fields.Nested(MemberOut), required=True)
    your_roles = fields.List(fields.String(), required=True)


class ProposalBase(Schema):
    """What a proposal's answer and each item of the proposal list both give."""

    id = fields.String(required=True)
    proposer = fields.String(required=True)
    title = fields.String(allow_none=True)
    versions = fields.Integer(required=True)
    scope = fields.String(required=True)
    kind = fields.String(required=True)
    rule = fields.Dict(required=True)
    status = fields.String(required=True)
    tally = fields.Dict(required=True)
    outcome = fields.String(allow_none=True)
    closes_at = fields.String(allow_none=True, metadata={"description": "the deadline, UTC"})
    at_deadline = fields.Boolean(required=True, metadata={
        "description": "closed by itself at its deadline"})


class ProposalOut(ProposalBase):
    group_id = fields.String(required=True)
    body = fields.String(allow_none=True)
    change = fields.Dict(allow_none=True)
    votes = fields.Dict(required=True)
    decision = fields.Dict(allow_none=True)
    history = fields.List(fields.Dict(), required=True, metadata={
        "description": "every version, first to latest: {title, body} as text references"})
    comments = fields.List(fields.Dict(), required=True, metadata={
        "description": "{id, author, body (a text reference), reply_to, time}, in order"})
    texts = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                        required=True)
    names = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                        required=True)


class ProposalSummaryOut(ProposalBase):
    comments = fields.Integer(required=True, metadata={"description": "how many"})
    tabled = fields.Dict(required=True, metadata={"description": "{position, time}"})


class ProposalListOut(Schema):
    group_id = fields.String(required=True)
    proposals = fields.List(fields.Nested(ProposalSummaryOut), required=True)
    next_cursor = fields.String(allow_none=True)
    names = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                        required=True)


class PersonOut(Schema):
    person_id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    csrf_token = fields.String(required=True)


class RecordOut(Schema):
    group_id = fields.String(required=True)
    as_of = fields.Integer(allow_none=True)
    entries = fields.List(fields.Dict(), required=True)
    next_since = fields.Integer(allow_none=True)
    next_cursor = fields.String(allow_none=True)
    members = fields.Dict(required=True)
    proposals = fields.List(fields.Dict(), required=True)
    texts = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    names = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))


class PowerBalanceOut(Schema):
    """See docs/metrics.md for every figure; fractions are {"exact": "2/3", "value": 0.6667}."""

    group_id = fields.String(required=True)
    as_of = fields.Integer(allow_none=True)
    now = fields.String(allow_none=True)
    categories = fields.Dict(required=True)
    sides = fields.Dict(required=True)
    totals = fields.Dict(required=True)
    trace = fields.Dict(required=True)


class TraceOut(Schema):
    figure = fields.String(required=True)
    key = fields.String(required=True)
    entries = fields.List(fields.Dict(), required=True)
    next_after = fields.Integer(allow_none=True)


class PrinciplesOut(Schema):
    group_id = fields.String(required=True)
    as_of = fields.Integer(allow_none=True)
    principles = fields.Dict(required=True)
    peer_network = fields.Dict(allow_none=True)
    peer_network_members = fields.Dict(required=True)


class LevelOut(Schema):
    group_id = fields.String(required=True)
    as_of = fields.Integer(allow_none=True)
    now = fields.String(allow_none=True)
    level = fields.String(required=True, validate=validate.OneOf(
        ("insufficient_data", "compliance", "support", "transformation")))
    unmet = fields.List(fields.String(), required=True)
    thresholds = fields.Dict(required=True)
    conditions = fields.Dict(required=True)


class Errors(Schema):
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         required=True)


# The ledger, exports and reports (webapp/ledger_api.py) -----------------------------------------

POSITION = validate.Range(min=1, max=2**62)


class ConsistencyQuery(Strict):
    first = fields.Integer(required=True, validate=validate.Range(min=0, max=2**62))
    second = fields.Integer(validate=POSITION)


class InclusionQuery(Strict):
    position = fields.Integer(required=True, validate=POSITION)
    size = fields.Integer(validate=POSITION)


class ExportQuery(Strict):
    format = fields.String(load_default="jsonl", validate=validate.OneOf(("jsonl", "csv")))
    table = fields.String(load_default="events", validate=validate.OneOf(("events",
                                                                          "decisions")))


class ReportQuery(Strict):
    lang = fields.String(load_default="es", validate=validate.OneOf(("es", "en")))
    as_of = fields.Integer(validate=POSITION)


class PublicKeyOut(Schema):
    algorithm = fields.String(required=True)
    key_id = fields.String(required=True)
    public_key = fields.String(required=True)
    pem = fields.String(required=True)


class CheckpointOut(Schema):
    format = fields.String(required=True)
    size = fields.Integer(required=True)
    root = fields.String(required=True)
    time = fields.String(required=True)
    key_id = fields.String(required=True)
    public_key = fields.String(required=True)
    signature = fields.String(required=True)


class ConsistencyOut(Schema):
    first = fields.Integer(required=True)
    second = fields.Integer(required=True)
    first_root = fields.String(required=True)
    second_root = fields.String(required=True)
    proof = fields.List(fields.String(), required=True)


class StoredEventOut(Schema):
    position = fields.Integer(required=True)
    aggregate_id = fields.String(required=True)
    version = fields.Integer(required=True)
    topic = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "the stored bytes, base64"})


class InclusionOut(Schema):
    position = fields.Integer(required=True)
    leaf_index = fields.Integer(required=True)
    size = fields.Integer(required=True)
    leaf_hash = fields.String(required=True)
    root = fields.String(required=True)
    proof = fields.List(fields.String(), required=True)
    event = fields.Nested(StoredEventOut, required=True)
