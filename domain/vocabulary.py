"""The stable codes of the domain (categories, roles, scopes, positions, principles).

Codes are what events store; labels in a person's language belong to the user interface.
"""

from domain.errors import InvalidValue

CATEGORIES = ("service_user", "carer", "community", "professional", "manager")
LIVED_EXPERIENCE = "lived_experience"
PROVIDER = "provider"
SIDES = (LIVED_EXPERIENCE, PROVIDER)
_SIDE_OF = {
    "service_user": LIVED_EXPERIENCE,
    "carer": LIVED_EXPERIENCE,
    "community": LIVED_EXPERIENCE,
    "professional": PROVIDER,
    "manager": PROVIDER,
}

ROLES = ("chair", "facilitator", "note_taker", "member", "observer")
LEADERSHIP_ROLES = ("chair", "facilitator")
# Roles whose holders may record a vote for a member present in person.
RECORDING_ROLES = ("chair", "facilitator", "note_taker")
# Roles whose holders may change roles directly, appoint auditors, or remove a member.
AUTHORITY_ROLES = ("chair",)
# Roles whose holders may admit members.
ADMITTING_ROLES = ("chair", "facilitator")
# Roles whose holders may close a proposal they did not table.
CLOSING_ROLES = ("chair", "facilitator")

SCOPES = ("delivery", "design", "governance", "recruitment_training", "risk")
POSITIONS = ("for", "against", "abstain", "block")
PROPOSAL_KINDS = ("ordinary", "role_change", "rule_change")
ROLE_ACTIONS = ("assign", "revoke")
CONTRIBUTION_KINDS = ("asset", "support", "task", "reflection")
PRINCIPLES = (
    "asset_based",
    "capabilities",
    "reciprocity",
    "peer_support",
    "blurring_distinctions",
    "facilitating",
)


def side_of(category: str) -> str:
    """The side (lived experience or provider) a stakeholder category belongs to."""
    return _SIDE_OF[category]


def checked_code(value: object, codes: tuple[str, ...], field: str) -> str:
    """`value` if it is one of `codes`; otherwise an error naming the field and the choices."""
    if value not in codes:
        raise InvalidValue(f"{field} must be one of {', '.join(codes)}, not {value!r}", field)
    return value
