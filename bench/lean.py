"""The lean reference the webhooks are measured against: the same work, nothing else.

What a careful engineer would write for Twilio's webhooks with no framework of their own:
a bare Flask app on gevent with psycogreen (gunicorn.conf.py's post_fork) and a plain
SQLAlchemy pool. Inbound: check the signature, find the guest by number and store the
message once per MessageSid, in one SQL round trip; answer TwiML. Status: check the
signature, store the callback and move the invitation's status, in one round trip.
`/bare` answers the same TwiML touching nothing: the ceiling of the server itself.

Run by bench/webhook_peak.py as `gunicorn -c gunicorn.conf.py "bench.lean:create_app()"`.
It reads DATABASE_URL, TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL.
"""

from __future__ import annotations

import json
import os

from flask import Flask, Response, abort, request
from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'

STORE_INBOUND = text("""
INSERT INTO inbound_messages (message_sid, from_phone, to_phone, body, kind, guest_id,
                              event_id, params)
SELECT :sid, :from_, :to, :body, 'text', g.id, g.event_id, CAST(:params AS jsonb)
FROM (VALUES (1)) AS one
LEFT JOIN LATERAL (SELECT id, event_id FROM guests WHERE phone = :phone
                   ORDER BY id DESC LIMIT 1) AS g ON true
ON CONFLICT (message_sid) DO NOTHING
""")

STORE_STATUS = text("""
WITH stored AS (
    INSERT INTO status_callbacks (message_sid, status, raw_status, invitation_id, params)
    SELECT :sid, :status, :status, (SELECT id FROM invitations WHERE message_sid = :sid),
           CAST(:params AS jsonb)
    RETURNING invitation_id)
UPDATE invitations SET delivery_status = :status, updated_at = now()
FROM stored WHERE invitations.id = stored.invitation_id
""")


def create_app() -> Flask:
    """The reference app."""
    app = Flask(__name__)
    engine = create_engine(
        os.environ["DATABASE_URL"].replace("postgres://", "postgresql+psycopg2://", 1),
        pool_size=10,
        max_overflow=10,
        isolation_level="AUTOCOMMIT",
    )
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    base = os.environ["PUBLIC_BASE_URL"].rstrip("/")

    def check_signature() -> None:
        url = base + request.full_path.rstrip("?")
        if not validator.validate(url, request.form, request.headers.get("X-Twilio-Signature")):
            abort(403)

    @app.get("/health")
    def health() -> Response:
        return Response("ok")

    @app.post("/bare")
    def bare() -> Response:
        return Response(TWIML, mimetype="text/xml")

    @app.post("/webhooks/twilio/inbound")
    def inbound() -> Response:
        check_signature()
        form = request.form
        sender = form["From"]
        with engine.connect() as connection:
            connection.execute(
                STORE_INBOUND,
                {
                    "sid": form["MessageSid"],
                    "from_": sender,
                    "to": form["To"],
                    "body": form.get("Body", ""),
                    "phone": sender.rpartition(":")[2],
                    "params": json.dumps(form.to_dict()),
                },
            )
        return Response(TWIML, mimetype="text/xml")

    @app.post("/webhooks/twilio/status")
    def status() -> Response:
        check_signature()
        form = request.form
        with engine.connect() as connection:
            connection.execute(
                STORE_STATUS,
                {
                    "sid": form["MessageSid"],
                    "status": form["MessageStatus"],
                    "params": json.dumps(form.to_dict()),
                },
            )
        return Response(TWIML, mimetype="text/xml")

    return app
