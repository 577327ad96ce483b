"""The state machine as a table: every (state, action) pair is either allowed or refused."""

import pytest

from backend.core.errors import Conflict, Forbidden
from backend.incidents import workflow
from backend.incidents.workflow import STATES, TRANSITIONS

EVERY_KIND = frozenset(
    {
        "reporter",
        "team_leader",
        "team_member",
        "union",
        "police",
        "admin",
        "handler",
        "recipient",
        "system",
    }
)

# The contract, written out by hand (not derived from the code under test).
EXPECTED = {
    "submit": ({"draft"}, "submitted"),
    "triage": ({"submitted", "reopened"}, "triaged"),
    "escalate": ({"submitted", "triaged", "reopened"}, "escalated"),
    "acknowledge": ({"escalated"}, "acknowledged"),
    "hand_on": ({"escalated", "acknowledged", "in_progress"}, "escalated"),
    "start": ({"triaged", "acknowledged"}, "in_progress"),
    "resolve": ({"triaged", "acknowledged", "in_progress"}, "resolved"),
    "close": ({"triaged", "acknowledged", "in_progress", "resolved"}, "closed"),
    "reject": ({"submitted", "triaged", "escalated", "acknowledged", "reopened"}, "rejected"),
    "mark_duplicate": (
        {"submitted", "triaged", "escalated", "acknowledged", "in_progress", "reopened"},
        "duplicate",
    ),
    "reopen": ({"resolved", "closed", "rejected", "duplicate"}, "reopened"),
}
WHO = {
    "submit": {"reporter", "team_leader"},
    "triage": {"union", "admin"},
    "escalate": {"union", "police", "admin", "system"},
    "acknowledge": {"police", "recipient"},
    "hand_on": {"police"},
    "start": {"handler"},
    "resolve": {"handler"},
    "close": {"handler", "admin"},
    "reject": {"handler", "admin"},
    "mark_duplicate": {"handler", "admin"},
    "reopen": {"handler", "admin"},
}


def test_table_matches_the_contract():
    assert set(TRANSITIONS) == set(EXPECTED)
    for action, (sources, target) in EXPECTED.items():
        assert TRANSITIONS[action].sources == sources, action
        assert TRANSITIONS[action].target == target, action
        assert TRANSITIONS[action].by == WHO[action], action


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_every_state_action_pair(state, action):
    sources, target = EXPECTED[action]
    if state in sources:
        assert workflow.check(action, state, EVERY_KIND).target == target
    else:
        with pytest.raises(Conflict) as err:
            workflow.check(action, state, EVERY_KIND)
        assert err.value.code == "invalid_transition"
        allowed = {o["action"] for o in err.value.extra["allowed_transitions"]}
        assert allowed == {a for a, (src, _) in EXPECTED.items() if state in src}


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_who_may_make_each_transition(action):
    state = sorted(EXPECTED[action][0])[0]
    for kind in EVERY_KIND:
        if kind in WHO[action]:
            assert workflow.check(action, state, frozenset({kind}))
        else:
            with pytest.raises(Forbidden):
                workflow.check(action, state, frozenset({kind}))


def test_closed_and_draft_states():
    assert workflow.options("closed", EVERY_KIND) == [{"action": "reopen", "to": "reopened"}]
    assert workflow.options("draft", frozenset({"union", "police"})) == []
