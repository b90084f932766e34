"""Explicit domain errors, each with a message a person can act on.

`field` names the input that was wrong, when one was, so an entry point can point at it.
"""


class DomainError(Exception):
    """A command was refused by the rules of the group; nothing was recorded."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidValue(DomainError):
    """An input is not one of the accepted values or is out of range."""


class NotFound(DomainError):
    """No group, proposal or contribution has that id."""


class NotAMember(DomainError):
    """The person is not (or no longer) a member of the group."""


class UnknownMember(NotFound):
    """The member named in a command is not a member of the group."""


class NotAllowed(DomainError):
    """The person is a member but their roles do not allow this command."""


class AlreadyMember(DomainError):
    """The person is already a member of the group."""


class LastChair(DomainError):
    """The group's last chair cannot leave while it has other members."""


class ProposalClosed(DomainError):
    """The proposal is closed or withdrawn: nothing more can happen to it."""


class AmendmentTooLate(DomainError):
    """A proposal cannot be amended once someone has voted on it."""


class ConcurrencyConflict(DomainError):
    """Concurrent changes kept conflicting after the bounded retries; try again."""
