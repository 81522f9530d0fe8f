"""The design users copy: one Flask endpoint that sends an event's invitations in the request.

Standalone on purpose (nothing from the service's `app` package). It loops over the
guests inside the request, calls Twilio's Messages API with the official client (no
timeout: the client's default), sleeps a second between guests "to respect the rate
limit", and records nothing durable: a worker that dies mid-loop forgets who got one.

Run by `python -m bench.naive` as `gunicorn bench.naive.app:app`, with the Twilio client
pointed at the emulator through `TWILIO_API_BASE_URL`.
"""

import os
import time

from flask import Flask, jsonify, request
from twilio.rest import Client

app = Flask(__name__)

client = Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"])
# The emulator in place of https://api.twilio.com (the service does the same).
client.api.base_url = os.environ["TWILIO_API_BASE_URL"].rstrip("/")
SENDER = os.environ["TWILIO_WHATSAPP_FROM"]
TEMPLATE = os.environ["TWILIO_INVITE_CONTENT_SID"]


def event_guests(count: int, first: int) -> list[str]:
    """The event's guest list (in the copied design, a spreadsheet or a list in memory)."""
    return [f"+1202{first + n:07d}" for n in range(count)]


@app.post("/events/<int:event_id>/send")
def send_invitations(event_id: int):
    """Send every guest their invitation, one after the other, inside this request."""
    guests = event_guests(int(request.form["guests"]), int(request.form["first"]))
    sids = []
    for phone in guests:
        message = client.messages.create(from_=SENDER, to=f"whatsapp:{phone}", content_sid=TEMPLATE)
        sids.append(message.sid)
        time.sleep(1)  # "stay under the rate limit"
    return jsonify(event=event_id, sent=len(sids))


@app.get("/ping")
def ping():
    """What a webhook or a page of the same server would wait for."""
    return "pong"
