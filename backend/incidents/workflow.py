"""The incident workflow as an explicit state machine: which action leads where, and who may act.

Actor kinds are capacities relative to one incident (see ``backend.policy.incidents``):
``reporter``, ``team_leader``, ``union``, ``police``, ``admin``, ``handler`` (the union or the
police, whichever currently handles it), ``recipient`` (someone the open escalation was sent
to, e.g. the city federation at the top of the ladder) and ``system`` (routing, deadlines).
"""

from dataclasses import dataclass

from backend.core.errors import Conflict, Forbidden

DRAFT, SUBMITTED, TRIAGED, ESCALATED = "draft", "submitted", "triaged", "escalated"
ACKNOWLEDGED, IN_PROGRESS, RESOLVED, CLOSED = "acknowledged", "in_progress", "resolved", "closed"
REJECTED, DUPLICATE, REOPENED = "rejected", "duplicate", "reopened"

STATES = (
    DRAFT,
    SUBMITTED,
    TRIAGED,
    ESCALATED,
    ACKNOWLEDGED,
    IN_PROGRESS,
    RESOLVED,
    CLOSED,
    REJECTED,
    DUPLICATE,
    REOPENED,
)
# Finished: nobody is waiting for anyone; a new fact reopens it.
FINISHED = frozenset({RESOLVED, CLOSED, REJECTED, DUPLICATE})
# Waiting for the handler to acknowledge (first in a queue).
AWAITING_ACK = frozenset({SUBMITTED, ESCALATED, REOPENED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    by: frozenset[str]
    needs: frozenset[str] = frozenset()  # body fields the action requires


def _t(action, sources, target, by, needs=()):
    return Transition(action, frozenset(sources), target, frozenset(by), frozenset(needs))


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("submit", {DRAFT}, SUBMITTED, {"reporter", "team_leader"}),
        # The union officer takes a union-routed report in hand (stops its clock).
        _t("triage", {SUBMITTED, REOPENED}, TRIAGED, {"union", "admin"}),
        # Hand to the police liaisons of the jurisdiction (routing does it itself for
        # trafficking, drugs and severity 1).
        _t(
            "escalate",
            {SUBMITTED, TRIAGED, REOPENED},
            ESCALATED,
            {"union", "police", "admin", "system"},
        ),
        _t("acknowledge", {ESCALATED}, ACKNOWLEDGED, {"police", "recipient"}),
        _t("hand_on", {ESCALATED, ACKNOWLEDGED, IN_PROGRESS}, ESCALATED, {"police"}, {"target"}),
        _t("start", {TRIAGED, ACKNOWLEDGED}, IN_PROGRESS, {"handler"}),
        _t("resolve", {TRIAGED, ACKNOWLEDGED, IN_PROGRESS}, RESOLVED, {"handler"}, {"outcome"}),
        _t(
            "close",
            {TRIAGED, ACKNOWLEDGED, IN_PROGRESS, RESOLVED},
            CLOSED,
            {"handler", "admin"},
            {"outcome"},
        ),
        _t(
            "reject",
            {SUBMITTED, TRIAGED, ESCALATED, ACKNOWLEDGED, REOPENED},
            REJECTED,
            {"handler", "admin"},
            {"comment"},
        ),
        _t(
            "mark_duplicate",
            {SUBMITTED, TRIAGED, ESCALATED, ACKNOWLEDGED, IN_PROGRESS, REOPENED},
            DUPLICATE,
            {"handler", "admin"},
            {"duplicate_of"},
        ),
        _t("reopen", FINISHED, REOPENED, {"handler", "admin"}, {"comment"}),
    )
}
ACTIONS = tuple(TRANSITIONS)


def options(status: str, kinds: frozenset[str]) -> list[dict[str, str]]:
    """The transitions a caller acting in these capacities may make from a status."""
    return [
        {"action": t.action, "to": t.target}
        for t in TRANSITIONS.values()
        if status in t.sources and t.by & kinds
    ]


def check(action: str, status: str, kinds: frozenset[str]) -> Transition:
    """The transition, if legal from ``status`` for these capacities; else 409 or 403."""
    transition = TRANSITIONS[action]
    allowed = options(status, kinds)
    if status not in transition.sources:
        raise Conflict(
            code="invalid_transition",
            action=action,
            current_status=status,
            allowed_transitions=allowed,
        )
    if not transition.by & kinds:
        raise Forbidden(action=action, allowed_transitions=allowed)
    return transition
