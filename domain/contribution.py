"""Member contributions, the raw material of principle evidence: an asset offered, support given,
a task taken on, a reflection on the six principles. Each is one small aggregate of one event."""

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.aggregate import GroupAggregate
from domain.errors import InvalidValue
from domain.group import Group
from domain.vocabulary import PRINCIPLES

MAX_TAGS, MAX_TAG_LENGTH = 10, 40


class Contribution(GroupAggregate):
    TOPIC = "reciproca/Contribution"

    class Created(GroupAggregate.Event, Aggregate.Created):
        TOPIC = "reciproca/Contribution.Created"

        def apply(self, contribution: "Contribution") -> None:
            contribution.group_id = self.group_id
            contribution.member_id = self.actor

    class AssetOffered(Created):
        """What a member brings: lived experience, a skill, time, a network."""

        TOPIC = "reciproca/Contribution.AssetOffered"
        description: dict
        tags: list

    class SupportGiven(Created):
        TOPIC = "reciproca/Contribution.SupportGiven"
        to_member_id: str
        description: dict

    class TaskTakenOn(Created):
        TOPIC = "reciproca/Contribution.TaskTakenOn"
        description: dict

    class ReflectionRecorded(Created):
        """A member's own assessment of the group on the principles, 1 (not at all) to 5."""

        TOPIC = "reciproca/Contribution.ReflectionRecorded"
        scores: dict
        comment: dict | None

    @classmethod
    def record(cls, event_class, *, id: UUID, group: Group, actor: str, at: datetime,
               **details) -> "Contribution":
        group.require_member(actor)
        if "to_member_id" in details:
            group.require_known(details["to_member_id"], "to_member_id")
        return cls._create(event_class, id=id, actor=actor, group_id=str(group.id), timestamp=at,
                           **details)


def checked_tags(tags: object) -> list[str]:
    if tags is None:
        return []
    if not isinstance(tags, (list, tuple)) or len(tags) > MAX_TAGS:
        raise InvalidValue(f"tags must be a list of at most {MAX_TAGS} words", "tags")
    cleaned = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip() or len(tag.strip()) > MAX_TAG_LENGTH:
            raise InvalidValue(f"each tag must be a word of 1 to {MAX_TAG_LENGTH} characters",
                               "tags")
        if tag.strip().lower() not in cleaned:
            cleaned.append(tag.strip().lower())
    return cleaned


def checked_scores(scores: object) -> dict[str, int]:
    if not isinstance(scores, dict) or not scores:
        raise InvalidValue("scores must give at least one principle a score", "scores")
    for principle, score in scores.items():
        if principle not in PRINCIPLES:
            raise InvalidValue(
                f"{principle!r} is not a principle; use {', '.join(PRINCIPLES)}", "scores")
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise InvalidValue(f"the score for {principle} must be a whole number 1 to 5",
                               "scores")
    return {p: scores[p] for p in PRINCIPLES if p in scores}
