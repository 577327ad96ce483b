"""``built``: rows the app inserts itself, built without the constructor's per-field costs."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached

from backend.models.base import built
from backend.models.incident import Escalation

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def _values() -> dict:
    return {
        "id": uuid.uuid4(),
        "incident_id": uuid.uuid4(),
        "target_kind": "police",
        "rung_key": "police:x:primary",
        "reason": "routing",
        "created_at": NOW,
        "deadline_at": NOW + timedelta(minutes=15),
    }


def test_the_same_row_as_the_constructor_gives():
    values = _values()
    fast, slow = built(Escalation, **values), Escalation(**values)
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_fields_set == slow.model_fields_set == set(values)
    assert fast.status == "open" and fast.level == 0 and fast.closed_at is None


def test_defaults_come_fresh_for_each_row():
    one, two = built(Escalation, **_values()), built(Escalation, **_values())
    one.recipient_user_ids.append("x")
    assert two.recipient_user_ids == []
    values = _values()
    del values["id"], values["created_at"]
    a, b = built(Escalation, **values), built(Escalation, **values)
    assert a.id != b.id and a.created_at is not None


def test_a_misspelt_field_is_refused():
    with pytest.raises(TypeError, match="recipients"):
        built(Escalation, **_values(), recipients=[])


def test_stored_as_built_and_then_tracked(app):
    row = built(Escalation, **_values())
    assert inspect(row).transient
    row.status = "acknowledged"  # a later change is tracked as the ORM's own rows' are
    assert inspect(row).attrs.status.history.added == ["acknowledged"]
    make_transient_to_detached(row)  # after the app's own INSERT: nothing left to flush
    assert inspect(row).detached and not inspect(row).modified
    assert row.status == "acknowledged" and row.target_kind == "police"
