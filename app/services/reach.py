"""The pre-flight in the organiser's words: what will reach whom, per guest language.

"142 guests get the approved Spanish invitation; 6 French guests have no approved French
invitation and would get the English one": each language of the campaign's guests, what they
get (their language's approved template, the fallback one, a plain message inside WhatsApp's
24-hour window, nothing) or wait for (a template under review, or rejected), and which
template on the Messages page would change it. The technical warnings (with the settings'
names) stay for the operator.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from flask import current_app

from app.config import ContentTemplates
from app.extensions import db
from app.models import Campaign, CampaignState
from app.sending.approved import FALLBACK_LANGUAGE, Undecided, undecided
from app.sending.audiences import Target
from app.sending.kinds import kind_of
from app.sending.languages import language_name
from app.sending.lifecycle import REJECTED_TEMPLATE, WAITING_FOR_APPROVAL
from app.sending.preflight import Preflight
from app.sending.reach import LanguageCount, count_languages, depends_on, held_by
from app.services import campaigns
from app.services.templates import WRITABLE_KINDS

# The `language` of a line that says what every language's guests get.
ALL = "all"
# The outcomes of guests whose language has no approved template of its own.
WITHOUT_OWN = ("fallback", "plain", "none")


@dataclass(frozen=True)
class LanguageReach:
    """What the guests of one language get: `outcome` is `approved` (their language's
    template), `fallback` (another language's, or the default one), `waiting` (for a
    template under review), `rejected`, `plain` (a plain message: only those inside the
    24-hour window get it) or `none` (nothing can reach them)."""

    language: str
    guests: int
    outcome: str
    sentence: str
    template_language: str | None = None  # the template's they get or wait for (None: default)
    in_window: int | None = None  # `plain` and `none`: who wrote in the last 24 hours
    reason: str | None = None  # `rejected`: WhatsApp's reason
    fix_language: str | None = None  # the Messages page's editor that would change it
    fix: str | None = None  # the words of the link to it ("Write the French invitation")


@dataclass(frozen=True)
class Reach:
    """A campaign's guests per language, and the pre-flight's warnings in plain words."""

    kind: str
    languages: list[LanguageReach] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # For the operator: the languages without a template of their own, by the setting's name.
    operator: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The reach as JSON (the pre-flight's `reach`)."""
        return asdict(self)

    @property
    def needs_attention(self) -> list[LanguageReach]:
        """The languages that do not get their own approved template."""
        return [item for item in self.languages if item.outcome != "approved"]


def explained(event_id: int, target: Target | None = None) -> tuple[Preflight, Reach]:
    """A campaign's pre-flight (`campaigns.preflight`) and what it would send to whom."""
    target = target or Target(event_id)
    plan = campaigns.preflight(event_id, target)
    return plan, reach(plan, target)


def reach(plan: Preflight, target: Target) -> Reach:
    """Say what a campaign of `target` (whose pre-flight is `plan`) would send to whom."""
    spec = kind_of(target.kind)
    defaults = campaigns.message_defaults()
    templates = defaults.templates(target.kind)
    connection = db.session.connection()
    review = undecided(connection, target.kind, defaults.content_templates)
    may_text = spec.free_text or spec.text_in_window
    context = _Context(target.kind, templates, review, may_text, _env_default(target.kind))
    if not templates.by_language and not (review.waiting or review.rejected):
        # Every language gets the same: said without counting the guests per language (a
        # scan of the audience: about half a second at 100,000 guests).
        uniform = [context.every_language(plan.recipients)] if plan.recipients else []
        return Reach(target.kind, uniform, notes(plan))
    counts = count_languages(connection, target, with_window=may_text and not templates.default)
    languages = [context.of(count) for count in counts if count.guests]
    return Reach(target.kind, languages, notes(plan), _for_operator(target.kind, languages))


def template_note(plan: Preflight) -> str | None:
    """In plain words, what a kind without an approved template (in any language) means for
    its guests; None when it has one."""
    if campaigns.message_defaults().templates(plan.kind):
        return None
    spec = kind_of(plan.kind)
    label = spec.label.lower()
    if plan.missing_template:
        return f"No {label} is approved in any language yet, so none can be sent"
    if spec.text_in_window:
        return (
            f"No {label} is approved yet: guests who wrote in the last 24 hours get it as a plain"
            " message; the others cannot be reached until one is approved"
        )
    return None


def _for_operator(kind: str, languages: list[LanguageReach]) -> list[str]:
    """The languages of the guests that have no template of their own, in the settings'
    terms."""
    setting = kind_of(kind).template_setting
    missing = [item.language for item in languages if item.outcome in WITHOUT_OWN]
    if not missing or setting is None:
        return []
    return [
        f"no {kind} content SID for {', '.join(missing)}: neither {setting}S nor an approved"
        " template of the Messages page has one"
    ]


@dataclass(frozen=True)
class Hold:
    """A template WhatsApp has not approved that holds a campaign back: one under review
    (the campaign waits) or rejected (it did not start), and where to fix it."""

    language: str
    status: str  # waiting | rejected
    sentence: str
    reason: str | None = None
    fix_language: str | None = None  # the Messages page's editor of it
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The hold as JSON (a campaign's `held_by`)."""
        return asdict(self)


def holds(campaign: Campaign) -> list[Hold]:
    """What holds back a campaign that waits for WhatsApp (scheduled), or that did not start
    because of it (refused): the templates some of its guests would get, not approved."""
    # Read from its note, so that a list of campaigns asks nothing more of the others.
    note = campaign.note or ""
    waits = campaign.state is CampaignState.SCHEDULED and note.startswith(WAITING_FOR_APPROVAL)
    refused = campaign.state is CampaignState.CANCELED and note.startswith(REJECTED_TEMPLATE)
    if not (waits or refused):
        return []
    target = campaigns.target_of(campaign)
    defaults = campaigns.message_defaults()
    connection = db.session.connection()
    found = undecided(connection, target.kind, defaults.content_templates)
    if not (found.waiting or found.rejected):
        return []
    review = held_by(found, count_languages(connection, target), defaults.templates(target.kind))
    label = kind_of(target.kind).label.lower()
    writable = target.kind in WRITABLE_KINDS
    held = [
        Hold(
            code,
            "rejected",
            f"WhatsApp rejected the {language_name(code)} {label} (“{reason.rstrip('.')}”)",
            reason,
            code if writable else None,
            f"Fix the {language_name(code)} {label}" if writable else None,
        )
        for code, reason in review.rejected
    ]
    held += [
        Hold(
            code,
            "waiting",
            f"WhatsApp is still reviewing the {language_name(code)} {label}: the campaign"
            " starts once it is approved",
            None,
            code if writable else None,
            f"See the {language_name(code)} {label}" if writable else None,
        )
        for code in review.waiting
    ]
    return held


def _env_default(kind: str) -> bool:
    """Whether the environment sets the kind's single template (then it is the fallback)."""
    setting = kind_of(kind).template_setting or ""
    environment = current_app.config["SETTINGS"].twilio.content_templates
    return bool(environment.get(setting, ContentTemplates()).default)


@dataclass(frozen=True)
class _Context:
    """What every language of one campaign is decided against."""

    kind: str
    templates: ContentTemplates
    review: Undecided
    may_text: bool
    env_default: bool

    @property
    def label(self) -> str:
        return kind_of(self.kind).label.lower()

    def linked(self, item: LanguageReach, language: str, verb: str = "Write") -> LanguageReach:
        """`item` with a link to the Messages page's editor of this kind in `language`, when
        the page writes this kind."""
        if self.kind not in WRITABLE_KINDS:
            return item
        fix = f"{verb} the {language_name(language)} {self.label}"
        return replace(item, fix_language=language, fix=fix)

    def of(self, count: LanguageCount) -> LanguageReach:
        """What the guests of one language get, and the sentence that says it."""
        language, n = count.language, count.guests
        for code, reason in self.review.rejected:
            if depends_on(language, code, self.templates):
                return self.rejected(count, code, reason)
        for code in self.review.waiting:
            if depends_on(language, code, self.templates):
                return self.waiting(count, code)
        if language in self.templates.by_language:
            the = f"the approved {language_name(language)} {self.label}"
            sentence = f"{_guests(n)} {_verb(n, 'get')} {the}"
            return LanguageReach(language, n, "approved", sentence, language)
        if language == FALLBACK_LANGUAGE and self.templates.default:
            # The environment's single template, taken to be the English one.
            sentence = f"{_guests(n, language)} {_verb(n, 'get')} the approved {self.label}"
            return LanguageReach(language, n, "approved", sentence)
        if self.templates.default:
            return self.fallback(count)
        return self.without(count)

    def every_language(self, n: int) -> LanguageReach:
        """What every guest gets when no language has a template of its own (nor one under
        review): the default one, a plain message inside the 24-hour window, or nothing."""
        if self.templates.default:
            sentence = f"{_guests(n)} {_verb(n, 'get')} the approved {self.label}"
            return LanguageReach(ALL, n, "approved", sentence)
        missing = f"No {self.label} is approved in any language"
        if self.may_text:
            sentence = (
                f"{missing}: {_guests(n)} {_verb(n, 'get')} a plain message, which reaches only"
                " those who wrote in the last 24 hours; the others cannot be reached until one"
                " is approved"
            )
            item = LanguageReach(ALL, n, "plain", sentence)
        else:
            sentence = f"{missing}: {_guests(n)} cannot be reached until one is approved"
            item = LanguageReach(ALL, n, "none", sentence)
        return self.linked(item, FALLBACK_LANGUAGE)

    def rejected(self, count: LanguageCount, code: str, reason: str) -> LanguageReach:
        """Guests who would get a template WhatsApp rejected."""
        n, name = count.guests, language_name(code)
        sentence = (
            f"{_guests(n, count.language)} would get the {name} {self.label}, which WhatsApp"
            f" rejected (“{reason.rstrip('.')}”): fix it, or the campaign cannot start"
        )
        item = LanguageReach(count.language, n, "rejected", sentence, code, reason=reason)
        return self.linked(item, code, "Fix")

    def waiting(self, count: LanguageCount, code: str) -> LanguageReach:
        """Guests who wait for a template WhatsApp is reviewing."""
        n, name = count.guests, language_name(code)
        sentence = (
            f"{_guests(n, count.language)} {_verb(n, 'wait')} for the {name} {self.label},"
            " which WhatsApp is still reviewing: the campaign can wait for its approval and"
            " starts once it is approved"
        )
        return LanguageReach(count.language, n, "waiting", sentence, code)

    def fallback(self, count: LanguageCount) -> LanguageReach:
        """Guests of a language without its own template, who get the default one."""
        n, name = count.guests, language_name(count.language)
        other = "" if self.env_default else FALLBACK_LANGUAGE
        one = f"the {language_name(other)} one" if other else "the default one"
        sentence = (
            f"{_guests(n, count.language)} {_verb(n, 'have')} no approved {name} {self.label}"
            f" and would get {one}"
        )
        item = LanguageReach(count.language, n, "fallback", sentence, other or None)
        return self.linked(item, count.language)

    def without(self, count: LanguageCount) -> LanguageReach:
        """Guests with no template at all: a plain message inside the window, else nothing."""
        n, name, language = count.guests, language_name(count.language), count.language
        missing = f"{_guests(n, language)} {_verb(n, 'have')} no approved {name} {self.label}"
        until = f"cannot be reached until {_a(name)} {name} {self.label} is approved"
        if not self.may_text:
            item = LanguageReach(language, n, "none", f"{missing} and {until}")
            return self.linked(item, language)
        inside = count.in_window
        outside = n - inside
        if outside == 0:
            sentence = (
                f"{missing}; {_they(n)} wrote in the last 24 hours, so {_they(n)}"
                f" {_verb(n, 'get')} a plain message"
            )
        elif inside == 0:
            sentence = f"{missing} and {_verb(n, 'are')} outside WhatsApp's 24-hour window: {until}"
        else:
            sentence = (
                f"{missing}: {inside:,} who wrote in the last 24 hours"
                f" {_verb(inside, 'get')} a plain message; the other {outside:,}"
                f" {_verb(outside, 'are')} outside WhatsApp's 24-hour window and {until}"
            )
        outcome = "plain" if inside else "none"
        item = LanguageReach(language, n, outcome, sentence, in_window=inside)
        return self.linked(item, language)


def notes(plan: Preflight) -> list[str]:
    """The pre-flight's other warnings, in the organiser's words (no setting's name)."""
    found = []
    if plan.missing_template:
        found.append(
            f"No {kind_of(plan.kind).label.lower()} is approved in any language yet, so none"
            " can be sent: write one on the Messages page"
        )
    if not plan.fits_provider_queue:
        found.append(
            "At this pace the last messages would wait more than 4 hours in Twilio's queue,"
            " which drops them: send in smaller groups, or ask the operator for a higher rate"
        )
    if not plan.fits_daily_tier:
        total = (plan.sent_last_24h or 0) + plan.recipients
        found.append(
            f"{total:,} messages in 24 hours would go over your WhatsApp daily limit of"
            f" {plan.daily_tier or 0:,}: the ones past it would fail"
        )
    if not current_app.config["SETTINGS"].public_base_url:
        found.append(
            "Whether messages are delivered and read can't be followed: the service's public"
            " address is not set (ask the operator)"
        )
    return found


def _guests(n: int, language: str | None = None) -> str:
    """ "1 guest", "142 guests", "6 French guests"."""
    named = f" {language_name(language)}" if language else ""
    return f"{n:,}{named} guest{'' if n == 1 else 's'}"


VERBS = {"get": "gets", "have": "has", "wait": "waits", "are": "is"}


def _verb(n: int, verb: str) -> str:
    """The verb agreeing with `n` guests ("get", "gets")."""
    return VERBS[verb] if n == 1 else verb


def _they(n: int) -> str:
    """ "they", or "the guest" for one (a guest's gender is unknown)."""
    return "the guest" if n == 1 else "they"


def _a(word: str) -> str:
    """The article before `word`: "an English", "a French"."""
    return "an" if word[:1].lower() in "aeiou" else "a"
