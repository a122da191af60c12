"""One unit of work per use case: it commits once when the use case ends, rolls back when it raises,
and a use case inside another commits only with it."""

import pytest

from app.common.transaction import use_case
from app.companies.models import Company
from app.extensions import db


def company_names(app) -> list[str]:
    """What another connection sees committed: a plain read on a connection of its own (no BEGIN,
    which on SQLite would wait for the open write transaction)."""
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT name FROM companies ORDER BY id")
            names = [row[0] for row in cursor.fetchall()]
            connection.rollback()
            return names
        finally:
            connection.close()


def test_a_use_case_commits_when_it_ends(app):
    with app.app_context():
        with use_case():
            db.session.add(Company(name="Initech"))
            db.session.flush()
            assert company_names(app) == []
        assert company_names(app) == ["Initech"]


def test_a_use_case_that_raises_leaves_nothing(app):
    with app.app_context():
        with pytest.raises(RuntimeError):
            with use_case():
                db.session.add(Company(name="Initech"))
                db.session.flush()
                raise RuntimeError("the use case fails")
        assert company_names(app) == []


def test_a_use_case_inside_another_commits_only_with_it(app):
    with app.app_context():
        with use_case() as outer:
            with use_case() as inner:
                db.session.add(Company(name="Initech"))
            assert inner is outer
            assert company_names(app) == []
        assert company_names(app) == ["Initech"]


def test_the_outer_use_case_failing_undoes_the_inner_one(app):
    with app.app_context():
        with pytest.raises(RuntimeError):
            with use_case():
                with use_case():
                    db.session.add(Company(name="Initech"))
                raise RuntimeError("the outer use case fails after the inner one ended")
        assert company_names(app) == []


def test_what_a_use_case_collects_is_shared_with_the_use_cases_inside_it(app):
    from app.events.service import record

    with app.app_context():
        with use_case() as outer:
            company = Company(name="Initech")
            db.session.add(company)
            db.session.flush()
            record(company.id, "order.created", {})
            with use_case() as inner:
                record(company.id, "stock.low", {})
            assert [event.type for event in outer.events] == ["order.created", "stock.low"]
        with use_case() as later:
            assert later.events == []
