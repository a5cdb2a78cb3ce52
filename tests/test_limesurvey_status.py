"""Fieldwork status from get_summary and the participants table, against the replay server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from replay_server import ReplayServer, make_client, rpc_body

from cchc_survey.limesurvey.status import STATUS_ORDER, fieldwork_status, participant_status


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as srv:
        yield srv


def test_status_of_the_main_survey(server: ReplayServer) -> None:
    with make_client(server.url) as ls:
        st = fieldwork_status(ls, 385924, unit_attribute="language", page=2)  # 3 pages of 2
    assert st.summary == {
        "token_count": 5, "token_invalid": 0, "token_sent": 0, "token_opted_out": 0,
        "token_completed": 3, "token_screenout": 0, "completed_responses": 51,
        "incomplete_responses": 9, "full_responses": 60}
    assert st.has_participants_table
    assert st.overview["measure"].tolist() == [
        "responses (started)", "responses completed", "responses incomplete", "participants",
        "participants invited", "participants completed", "participants opted out"]
    assert st.overview["value"].tolist() == [60, 51, 9, 5, 0, 3, 0]
    np.testing.assert_allclose(st.overview["rate"].to_numpy(),
                               [np.nan, 51 / 60, 9 / 60, np.nan, 0.0, 0.6, 0.0])
    assert st.by_status["status"].tolist() == list(STATUS_ORDER)
    assert st.by_status["participants"].tolist() == [3, 0, 0, 0, 0, 2]
    np.testing.assert_allclose(st.by_status["share"].to_numpy(), [0.6, 0, 0, 0, 0, 0.4])
    assert st.by_unit["unit"].tolist() == ["en", "vi", "(all)"]
    assert st.by_unit["participants"].tolist() == [1, 4, 5]
    assert st.by_unit["invited"].tolist() == [0, 0, 0]
    assert st.by_unit["completed"].tolist() == [0, 3, 3]
    assert st.by_unit["opted_out"].tolist() == [0, 0, 0]
    np.testing.assert_allclose(st.by_unit["response_rate"].to_numpy(), [0.0, 0.75, 0.6])
    # the participants table agrees with LimeSurvey's own counts
    assert st.summary["token_completed"] == st.by_status["participants"].iloc[0]
    # no personal data in the tables
    text = pd.concat([st.overview, st.by_status, st.by_unit]).to_csv()
    assert "vn8Kq2xLm4Pz7Rt" not in text and "@example.org" not in text and "Nguy" not in text
    assert [len(e.params) for e in server.calls("list_participants")] == [6, 6, 6]
    assert server.unmatched == []


def test_status_of_empty_and_inactive_surveys(server: ReplayServer) -> None:
    with make_client(server.url) as ls:
        empty = fieldwork_status(ls, 385925, unit_attribute="language")
        inactive = fieldwork_status(ls, 385926)
    assert empty.summary is not None and empty.summary["full_responses"] == 0
    assert empty.has_participants_table and empty.by_unit.empty
    assert empty.overview["value"].tolist() == [0] * 7
    assert empty.overview["rate"].isna().all()
    assert inactive.summary is None and not inactive.has_participants_table
    assert inactive.by_status["participants"].tolist() == [0] * 6


def test_participant_status_precedence() -> None:
    frame = pd.DataFrame({
        "completed": ["2024-03-27 15:56", "N", "N", "N", "N", "N", None],
        "emailstatus": ["OptOut", "OptOut", "bounced", "OK", "OK", "OK", None],
        "remindersent": ["N", "N", "N", "2024-04-01", "N", "N", None],
        "sent": ["2024-03-01", "2024-03-01", "2024-03-01", "2024-03-01", "2024-03-01", "N", None],
    })
    assert participant_status(frame).tolist() == [
        "completed", "opted_out", "bad_email", "reminded", "invited", "not_invited", "not_invited"]


class TidStartServer(ReplayServer):
    """Newer RemoteControl code reads list_participants' iStart as the first participant id
    (``compare('tid', '>=' . $iStart)``), where 6.2.1 reads an offset: the same recorded rows,
    served with that meaning."""

    def derive(self, method: str, params: list[Any]) -> bytes | None:
        if method == "list_participants" and len(params) > 3 and params[1] == 385924:
            start, limit = params[2], params[3]
            body = super().derive(method, [*params[:2], 0, 1000, *params[4:]])
            rows = [r for r in json.loads(body)["result"] if r["tid"] >= start][:limit]
            return rpc_body(rows)
        return super().derive(method, params)


@pytest.mark.parametrize("page", [1, 2, 3, 5, 10])
def test_participants_paged_either_way(page: int) -> None:
    """Every participant exactly once whether iStart is an offset (6.2.1) or a first id."""
    for server_class in (ReplayServer, TidStartServer):
        with server_class() as srv, make_client(srv.url) as ls:
            st = fieldwork_status(ls, 385924, unit_attribute="language", page=page)
            assert st.by_status["participants"].tolist() == [3, 0, 0, 0, 0, 2], server_class
            assert st.by_unit["participants"].tolist() == [1, 4, 5]
            starts = [e.params[2] for e in srv.calls("list_participants")]
        assert starts[0] == 0 and starts == sorted(set(starts))  # always forward
