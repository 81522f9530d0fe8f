"""WhatsApp's part: each accepted message's status callbacks, and guests' replies."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from app.emulator.config import EmulatorConfig, strip_channel
from app.emulator.content import ContentStore
from app.emulator.guests import (
    Move,
    guest_of,
    next_move,
    number_language,
    offer_move,
    question_tap,
    told,
)
from app.emulator.questions import answer_to
from app.emulator.replies import GuestReply, reply_params
from app.emulator.store import API_VERSION, STATUS_RANK, MessageStore, StoredMessage, new_sid
from app.emulator.validation import matches_prefix
from app.emulator.webhooks import WebhookResult, WebhookSender

log = logging.getLogger(__name__)

NOT_ON_WHATSAPP = (63024, "Invalid message recipient")
OUTSIDE_WINDOW = (63016, "Outside messaging window. For WhatsApp, use a Message Template instead")
SESSION_WINDOW_SECONDS = 24 * 3600
# The most questions a guest answers in a row after their answer.
MOST_QUESTIONS = 25


@dataclass(frozen=True)
class Step:
    """One status change of a message, after `delay` seconds."""

    delay: float
    status: str


class NoInboundUrl(ValueError):
    """A reply was asked for but no inbound webhook URL is configured."""


class Dispatcher:
    """Run each accepted message's delivery lifecycle and post guests' replies."""

    def __init__(
        self,
        config: Callable[[], EmulatorConfig],
        store: MessageStore,
        sender: WebhookSender,
        contents: ContentStore,
    ) -> None:
        self.config = config
        self.store = store
        self.sender = sender
        self.contents = contents
        self.tasks: set[asyncio.Task[None]] = set()
        self.rng = random.Random()
        self.reseed(config().seed)

    def reseed(self, seed: int | None) -> None:
        """Restart the random stream of delays, shuffles and duplicates."""
        self.rng = random.Random(None if seed is None else f"callbacks-{seed}")

    def schedule(self, message: StoredMessage) -> None:
        """Start the delivery lifecycle of a newly accepted message."""
        steps = self.plan(message, self.config())
        self.spawn(self.run_lifecycle(message, steps))

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run `coroutine` as a tracked task, so that reset and shutdown can cancel it."""
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.finished)

    def finished(self, task: asyncio.Task[None]) -> None:
        """Forget a finished task; log it if it died of a bug rather than a cancel."""
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("lifecycle task failed", exc_info=task.exception())

    async def cancel_all(self) -> None:
        """Cancel every pending lifecycle and wait for them to stop."""
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def plan(self, message: StoredMessage, config: EmulatorConfig) -> list[Step]:
        """Return the status changes of a message: delays, order and duplicates drawn now."""
        if self.failure(message, config) is not None:
            statuses = ["failed"]
        else:
            # A message leaves the queue whether or not anyone asked for its callbacks.
            statuses = list(config.callback_statuses) or ["sent"]
        if config.callback_shuffle:
            self.rng.shuffle(statuses)
        sequence: list[str] = []
        for status in statuses:
            sequence.append(status)
            if self.rng.random() < config.callback_duplicate_rate:
                sequence.append(status)
        low, high = config.callback_delay
        steps = [Step(self.rng.uniform(low, high), status) for status in sequence]
        if steps:  # the message waits in Twilio's queue before its first status
            queued = self.rng.uniform(*config.queue_delay)
            steps[0] = Step(steps[0].delay + queued, steps[0].status)
        return steps

    def failure(self, message: StoredMessage, config: EmulatorConfig) -> tuple[int, str] | None:
        """Why WhatsApp fails this message after accepting it, if it does: the number is not
        on WhatsApp (63024), or free text outside the guest's 24-hour window (63016): a
        template of the Content API that WhatsApp has not approved is free text there."""
        number = strip_channel(message.to)
        if matches_prefix(number, config.not_on_whatsapp):
            return NOT_ON_WHATSAPP
        content_sid = message.params.get("ContentSid")
        free_text = not content_sid or self.contents.unapproved(content_sid)
        if config.session_window and free_text and message.direction == "outbound-api":
            wrote = self.store.last_inbound.get(number)
            if wrote is None or time.time() - wrote > SESSION_WINDOW_SECONDS:
                return OUTSIDE_WINDOW
        return None

    async def run_lifecycle(self, message: StoredMessage, steps: list[Step]) -> None:
        """Apply each step to the stored message and post its status callback."""
        for step in steps:
            await asyncio.sleep(step.delay)
            config = self.config()
            if step.status == "failed":
                message.fail(*(self.failure(message, config) or NOT_ON_WHATSAPP))
            message.advance(step.status, config.sender)
            callback_url = message.params.get("StatusCallback")
            wanted = step.status == "failed" or step.status in config.callback_statuses
            if callback_url and wanted:
                await self.post_status(callback_url, message, step.status, config)
        await self.auto_reply(message)

    async def post_status(
        self, url: str, message: StoredMessage, status: str, config: EmulatorConfig
    ) -> None:
        """Post one status callback; count it, never raise for the receiver's failures."""
        params = status_params(message, status, config)
        result = await self.sender.post(
            url,
            params,
            auth_token=config.auth_token,
            retries=config.callback_retries,
            timeout=config.callback_timeout,
        )
        stats = self.store.stats
        stats.callbacks["retried"] += result.attempts - 1
        stats.callbacks["sent" if result.ok else "failed"] += 1
        if not result.ok:
            log.warning("status callback %s %s failed: %s", message.sid, status, result.error)

    async def auto_reply(self, message: StoredMessage) -> None:
        """In auto-reply mode, have the guest answer a delivered message, or not (guests.py)."""
        config = self.config()
        delivered = STATUS_RANK.get(message.status, 0) >= STATUS_RANK["delivered"]
        if config.auto_reply == "off" or not config.inbound_url or not delivered:
            return
        if message.error_code is not None:
            return
        sid = message.params.get("ContentSid") or ""
        if sid in config.notice_templates or self.contents.is_notice(sid):
            return  # an event's change or cancellation: read, never answered
        number = strip_channel(message.to)
        said = self.store.said.get(number)
        if sid in config.offer_templates or self.contents.is_offer(sid):
            move: Move | None = offer_move(config, self.rng)
        elif (tap := question_tap(self.contents.get(sid), said, self.rng)) is not None:
            move = tap
        else:
            move = next_move(guest_of(number, config), said, config, self.rng)
        if move is None:
            return
        self.store.said[number] = move.said  # decided now: a message right behind finds it
        low, high = config.auto_reply_delay
        await asyncio.sleep(self.rng.uniform(low, high))
        _, result = await self.send_reply(
            move.reply(message.to, message.sid), retries=config.callback_retries
        )
        await self.answer_questions(message.to, result, number_language(number))

    async def answer_questions(self, guest: str, result: WebhookResult, language: str) -> None:
        """Answer the questions the service asks in its TwiML answers, one after the other
        (at most `MOST_QUESTIONS`: a service that kept asking would not keep a guest)."""
        config = self.config()
        for _ in range(MOST_QUESTIONS):
            texts = twiml_messages(result.body) if result.ok else []
            answers = [answer_to(text, language, self.rng) for text in texts]
            answer = next((found for found in answers if found is not None), None)
            if answer is None:
                return
            low, high = config.auto_reply_delay
            await asyncio.sleep(self.rng.uniform(low, high))
            reply = GuestReply(guest=guest, text=answer)
            _, result = await self.send_reply(reply, retries=config.callback_retries)

    def remember(self, reply: GuestReply) -> None:
        """Keep what a reply made through the control endpoint answered, if it did."""
        said = told(reply)
        if said is not None:
            self.store.said[strip_channel(reply.guest)] = said

    async def send_reply(
        self, reply: GuestReply, url: str | None = None, retries: int = 0
    ) -> tuple[dict[str, str], WebhookResult]:
        """Post a guest's reply to the inbound webhook; return the form and the answer."""
        config = self.config()
        target = url or config.inbound_url
        if not target:
            raise NoInboundUrl("no inbound webhook URL: start with --inbound-url or pass 'url'")
        original = self.find_original(reply)
        content = self.contents.get(original.params.get("ContentSid") or "") if original else None
        params = reply_params(reply, original, config, content)
        self.store.last_inbound[strip_channel(params["From"])] = time.time()
        result = await self.sender.post(
            target,
            params,
            auth_token=config.auth_token,
            retries=retries,
            timeout=config.callback_timeout,
        )
        self.store.stats.replies["sent" if result.ok else "failed"] += 1
        log.info("reply from %s to %s: %s", reply.guest, target, result.status or result.error)
        if result.ok:
            for text, media in twiml_replies(result.body):
                self.store_answer(params, text, config, media)
        return params, result

    def store_answer(
        self,
        inbound: dict[str, str],
        text: str,
        config: EmulatorConfig,
        media: list[str] | None = None,
    ) -> None:
        """Keep one `<Message>` of a TwiML answer, as Twilio does: an `outbound-reply`, with
        the URLs of its `<Media>` nouns as its media."""
        answer = StoredMessage(
            sid=new_sid(),
            account_sid=config.account_sid,
            to=inbound["From"],
            from_=inbound["To"],
            messaging_service_sid=inbound.get("MessagingServiceSid"),
            body=text,
            params={},
            status="sent",
            direction="outbound-reply",
            media=list(media or ()),
        )
        answer.date_sent = answer.date_created
        self.store.add(answer)

    def find_original(self, reply: GuestReply) -> StoredMessage | None:
        """Return the message a reply answers: the one named, else the guest's latest."""
        if reply.original_sid:
            return self.store.get(reply.original_sid)
        return self.store.latest_to(reply.guest)


def twiml_messages(body: str) -> list[str]:
    """The texts of the `<Message>` verbs of a TwiML answer (none when it is not TwiML)."""
    return [text for text, _ in twiml_replies(body)]


def twiml_replies(body: str) -> list[tuple[str, list[str]]]:
    """Each `<Message>` verb of a TwiML answer: its text (bare, or its `<Body>` noun) and the
    URLs of its `<Media>` nouns (none when the answer is not TwiML)."""
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 - the answer of the app under test
    except ElementTree.ParseError:
        return []
    if root.tag != "Response":
        return []
    replies = []
    for verb in root.iter("Message"):
        nested = verb.find("Body")
        text = (nested.text if nested is not None else verb.text) or ""
        media = [(noun.text or "").strip() for noun in verb.iter("Media") if noun.text]
        replies.append((text, media))
    return replies


def status_params(message: StoredMessage, status: str, config: EmulatorConfig) -> dict[str, str]:
    """Return the form of a status callback, as Twilio sends it for WhatsApp."""
    params = {
        "MessageSid": message.sid,
        "SmsSid": message.sid,
        "AccountSid": message.account_sid,
        "From": message.from_ or config.sender,
        "To": message.to,
        "MessageStatus": status,
        "SmsStatus": status,
        "ApiVersion": API_VERSION,
    }
    if message.messaging_service_sid:
        params["MessagingServiceSid"] = message.messaging_service_sid
    if message.to.startswith("whatsapp:"):
        params["ChannelPrefix"] = "whatsapp"
        params["ChannelInstallSid"] = config.channel_install_sid
        params["ChannelToAddress"] = strip_channel(message.to)
    if status == "read":
        params["EventType"] = "READ"
    if status in ("failed", "undelivered"):
        params["ErrorCode"] = str(message.error_code or "")
        params["ChannelStatusMessage"] = message.error_message or ""
    return params
