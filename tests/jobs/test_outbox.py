from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tinko.db import make_session_factory, unit_of_work
from tinko.jobs.outbox import DISPATCHER, enqueue


class Recorder:
    def __init__(self) -> None:
        self.submitted: list[tuple[str, dict[str, Any]]] = []

    def submit(self, name: str, kwargs: dict[str, Any]) -> None:
        self.submitted.append((name, kwargs))


def _session(engine: Engine, recorder: Recorder) -> Session:
    factory = make_session_factory(engine)
    session = factory()
    session.info[DISPATCHER] = recorder
    return session


def test_job_is_published_after_commit(engine: Engine) -> None:
    recorder = Recorder()
    session = _session(engine, recorder)
    enqueue(session, "notify.deliver_message", message_id="msg_1")
    assert recorder.submitted == []
    session.commit()
    assert recorder.submitted == [("notify.deliver_message", {"message_id": "msg_1"})]


def test_job_is_dropped_on_rollback(engine: Engine) -> None:
    recorder = Recorder()
    session = _session(engine, recorder)
    enqueue(session, "notify.deliver_message", message_id="msg_1")
    session.rollback()
    session.commit()
    assert recorder.submitted == []


def test_unit_of_work_rolls_back_on_error(engine: Engine) -> None:
    recorder = Recorder()
    factory = make_session_factory(engine)
    factory.kw["info"] = {DISPATCHER: recorder}

    def failing_unit() -> None:
        with unit_of_work(factory) as session:
            enqueue(session, "notify.deliver_message", message_id="msg_1")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_unit()
    assert recorder.submitted == []
