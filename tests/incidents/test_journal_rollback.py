"""What a journal holds for a change that was rolled back is never written by a later one."""

from sqlalchemy import select

from backend.incidents.journal import journal


async def test_a_rollback_forgets_what_is_waiting(app):
    async with app.state.session_factory() as session, app.state.session_factory() as other:
        for s in (session, other):
            await s.execute(select(1))  # a transaction begun, as a request's would be
        held, kept = journal(session), journal(other)
        held.audits.append({"action": "incident.create"})
        kept.audits.append({"action": "incident.create"})
        await session.rollback()
        assert journal(session) is held and held.audits == []
        assert kept.audits == [{"action": "incident.create"}]  # another session's is its own
