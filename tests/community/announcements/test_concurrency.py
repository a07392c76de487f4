"""Simultaneous reads leave one receipt; simultaneous go-live runs announce each item once."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from community.announcements.jobs import announce_scheduled
from community.announcements.models import Announcement, AnnouncementRead
from core.db import db
from core.models import utcnow
from tests.community.announcements.factories import AnnouncementFactory
from tests.conftest import bearer, on_both_databases
from tests.factories import CommunityFactory, current_session, resident_of


@on_both_databases
def test_simultaneous_first_reads_by_one_person_leave_exactly_one_receipt(app, committed):
    community = CommunityFactory()
    reader = resident_of(community)
    announcement = AnnouncementFactory(community=community)
    current_session().commit()
    url = f"/api/communities/{community.id}/announcements/{announcement.id}/read"

    def read(_):
        return app.test_client().post(url, headers=bearer(reader.id)).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(read, range(16)))
    assert statuses == [204] * 16
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AnnouncementRead)) == 1


@on_both_databases
def test_simultaneous_go_live_runs_announce_each_announcement_exactly_once(app, committed):
    community = CommunityFactory()
    resident_of(community)
    due = [AnnouncementFactory(community=community, publish_at=utcnow() - timedelta(minutes=1), notified_at=None)
           for _ in range(30)]
    current_session().commit()

    def run(_):
        with app.app_context():
            return announce_scheduled()

    with ThreadPoolExecutor(max_workers=4) as pool:
        announced = list(pool.map(run, range(4)))
    assert sum(announced) == len(due)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Announcement.notified_at.is_(None))) == 0
