"""Ids in paths are ASCII digits only: other scripts' digits are no second address of a page."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from werkzeug.exceptions import MethodNotAllowed, NotFound

from app.urls import AsciiIntegerConverter
from tests.support.constants import API_TOKEN
from tests.support.dashboard import add_admin, sign_in_session
from tests.support.factories import make_event

# Each reads as 1 to `int()`, and Werkzeug's own `int` converter (`\d+`) takes them all.
ONES = ["\uff11", "\u0661", "\U0001d7cf"]  # full-width, Arabic-Indic, mathematical bold
INT_PART = re.compile(r"<int(?:\([^)]*\))?:(\w+)>")
STRING_PART = re.compile(r"<(?:\w+:)?(\w+)>")


def test_the_app_reads_ids_with_the_ascii_converter(app: Flask) -> None:
    assert app.url_map.converters["int"] is AsciiIntegerConverter


@pytest.mark.parametrize("one", ONES)
def test_no_route_takes_other_digits_for_an_id(app: Flask, one: str) -> None:
    adapter = app.url_map.bind("localhost")
    with_ids = [rule for rule in app.url_map.iter_rules() if INT_PART.search(rule.rule)]
    assert len(with_ids) > 20  # the walk reached the API's and the dashboard's routes
    for rule in with_ids:
        method = sorted((rule.methods or {"GET"}) - {"HEAD", "OPTIONS"})[0]
        ascii_path = STRING_PART.sub("pause", INT_PART.sub("1", rule.rule))
        assert adapter.match(ascii_path, method=method)[0] == rule.endpoint
        other_path = STRING_PART.sub("pause", INT_PART.sub(one, rule.rule))
        try:
            endpoint, _ = adapter.match(other_path, method=method)
        except (NotFound, MethodNotAllowed):
            continue
        assert endpoint != rule.endpoint, other_path


@pytest.mark.parametrize("one", ONES)
def test_an_event_is_not_found_at_other_digits(app: Flask, one: str) -> None:
    make_event(app, "Launch party")
    dashboard = app.test_client()
    sign_in_session(dashboard, add_admin(app))
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_TOKEN}"

    assert dashboard.get("/events/1").status_code == 200
    assert api.get("/api/v1/events/1").status_code == 200
    assert dashboard.get(f"/events/{one}").status_code == 404
    assert api.get(f"/api/v1/events/{one}").status_code == 404
    assert api.get(f"/api/v1/events/{one}/guests").status_code == 404
