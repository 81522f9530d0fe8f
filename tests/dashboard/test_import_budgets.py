"""The import preview against files over budget, and the previews a user may keep waiting."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import redis_store
from app.services import pending_uploads
from tests.support.dashboard import text_of
from tests.support.factories import make_event
from tests.support.workbooks import corner_workbook


def preview(user: FlaskClient, event_id: int, data: bytes, filename: str) -> tuple[int, str]:
    """POST a file to the import preview; return the status and the page's text or token."""
    response = user.post(
        f"/events/{event_id}/guests/preview",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def test_a_corner_workbook_is_refused_at_the_preview_with_what_was_over(
    app: Flask, user: FlaskClient
) -> None:
    event_id = make_event(app)
    status, html = preview(user, event_id, corner_workbook(), "guests.xlsx")
    assert status == 413
    assert (
        "Nothing was imported: cell XFD1048576 holds a value, in column 16,384; a guest list"
        " has at most 200 columns: clear the cells beyond the guests' columns and save the"
        " file again." in text_of(html)
    )
    with app.app_context():
        assert list(redis_store.connection.scan_iter("guest-upload:*")) == []  # nothing held


def test_a_user_keeps_at_most_three_previews_waiting_for_15_minutes(
    app: Flask, user: FlaskClient
) -> None:
    event_id = make_event(app)
    tokens = []
    for n in range(5):
        status, html = preview(
            user, event_id, f"name,phone\nG{n},+1415555010{n}\n".encode(), "g.csv"
        )
        assert status == 200, text_of(html)
        tokens.append(html.split('name="token" value="', 1)[1].split('"', 1)[0])
    with app.app_context():
        held = list(redis_store.connection.scan_iter("guest-upload:*"))
        assert len(held) == pending_uploads.PER_USER
        assert all(0 < redis_store.connection.ttl(key) <= 15 * 60 for key in held)
    oldest = user.post(f"/events/{event_id}/guests", data={"token": tokens[0]})
    assert oldest.status_code == 400
    assert "expired" in text_of(oldest.get_data(as_text=True))
    newest = user.post(f"/events/{event_id}/guests", data={"token": tokens[-1]})
    assert newest.status_code == 200
    with app.app_context():
        assert len(list(redis_store.connection.scan_iter("guest-upload:*"))) == 2
