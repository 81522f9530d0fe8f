"""The chart numbers behind the RSVP donut and the delivery funnel."""

from __future__ import annotations

import pytest

from app.dashboard.charts import STAGES, delivery_aside, delivery_funnel, rsvp_split
from app.services.events import DELIVERY_BUCKETS


def test_rsvp_slices_go_round_the_circle_in_order() -> None:
    slices = rsvp_split({"confirmed": 3, "declined": 1, "maybe": 0, "no_answer": 4})
    assert [(s.key, s.count) for s in slices] == [
        ("confirmed", 3),
        ("maybe", 0),
        ("declined", 1),
        ("no_answer", 4),
    ]
    assert [s.share for s in slices] == [37.5, 0.0, 12.5, 50.0]
    assert [s.start for s in slices] == [0.0, 37.5, 37.5, 50.0]
    assert slices[0].dash_array == "37.5 62.5"
    assert slices[0].dash_offset == 25.0  # 12 o'clock
    assert slices[3].dash_offset == -25.0


def test_waitlisted_yeses_are_a_slice_of_their_own_out_of_confirmed() -> None:
    slices = rsvp_split({"confirmed": 4, "declined": 0, "maybe": 0, "no_answer": 0}, 2)
    assert [(s.key, s.count, s.share) for s in slices] == [
        ("confirmed", 2, 50.0),
        ("waitlisted", 2, 50.0),
        ("maybe", 0, 0.0),
        ("declined", 0, 0.0),
        ("no_answer", 0, 0.0),
    ]


def test_rsvp_split_of_no_guests_is_empty_not_an_error() -> None:
    assert [s.share for s in rsvp_split({})] == [0.0, 0.0, 0.0, 0.0]


def test_sent_being_sent_not_sent_and_failed_split_every_guest_once() -> None:
    partition = ("stage-sent", "stage-sending", "stage-not-sent", "stage-failed")
    buckets = [bucket for key in partition for bucket in STAGES[key][1]]
    assert sorted(buckets) == sorted(DELIVERY_BUCKETS)


@pytest.mark.parametrize("guests", [0, 10])
def test_funnel_counts_are_cumulative(guests: int) -> None:
    delivery = (
        {
            "accepted": 1,
            "sent": 2,
            "delivered": 3,
            "read": 1,
            "failed": 1,
            "undelivered": 1,
            "pending": 1,
        }
        if guests
        else {}
    )
    funnel = delivery_funnel(delivery, guests)
    aside = delivery_aside(delivery, guests)
    assert [(s.label, s.count) for s in funnel] == (
        [("Sent to WhatsApp", 7), ("Delivered", 4), ("Read", 1)]
        if guests
        else [("Sent to WhatsApp", 0), ("Delivered", 0), ("Read", 0)]
    )
    if guests:
        assert [(s.label, s.count) for s in aside] == [
            ("Being sent", 1),
            ("Not sent", 0),
            ("Failed", 2),
        ]
        assert funnel[0].share == 70.0
        assert aside[1].width == 0.0  # nothing drawn for zero
    assert all(s.share == 0.0 for s in funnel + aside) is (guests == 0)


def test_a_small_nonzero_bar_is_still_visible() -> None:
    (sent, *_) = delivery_funnel({"sent": 1}, 1000)
    assert sent.share == 0.1
    assert sent.width == 0.8
