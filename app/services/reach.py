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
from flask_babel import format_number, get_locale, ngettext
from flask_babel import gettext as _

from app.config import ContentTemplates
from app.extensions import db
from app.models import Campaign, CampaignState
from app.sending.approved import FALLBACK_LANGUAGE, Undecided, undecided
from app.sending.audiences import Target
from app.sending.kinds import kind_of
from app.sending.languages import language_name as english_name
from app.sending.lifecycle import REJECTED_TEMPLATE, WAITING_FOR_APPROVAL
from app.sending.preflight import Preflight
from app.sending.reach import LanguageCount, count_languages, depends_on, held_by
from app.services import campaigns
from app.services.kind_words import kind_word
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
    label = kind_word(plan.kind)
    if plan.missing_template:
        return _("No %(kind)s is approved in any language yet, so none can be sent", kind=label)
    if spec.text_in_window:
        return _(
            "No %(kind)s is approved yet: guests who wrote in the last 24 hours get it as a plain"
            " message; the others cannot be reached until one is approved",
            kind=label,
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
    label = kind_word(target.kind)
    writable = target.kind in WRITABLE_KINDS
    held = [
        Hold(
            code,
            "rejected",
            _(
                "WhatsApp rejected the %(language)s %(kind)s (“%(reason)s”)",
                language=language_name(code),
                kind=label,
                reason=reason.rstrip("."),
            ),
            reason,
            code if writable else None,
            _("Fix the %(language)s %(kind)s", language=language_name(code), kind=label)
            if writable
            else None,
        )
        for code, reason in review.rejected
    ]
    held += [
        Hold(
            code,
            "waiting",
            _(
                "WhatsApp is still reviewing the %(language)s %(kind)s: the campaign starts once"
                " it is approved",
                language=language_name(code),
                kind=label,
            ),
            None,
            code if writable else None,
            _("See the %(language)s %(kind)s", language=language_name(code), kind=label)
            if writable
            else None,
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
        return kind_word(self.kind)

    def linked(self, item: LanguageReach, language: str, verb: str = "Write") -> LanguageReach:
        """`item` with a link to the Messages page's editor of this kind in `language`, when
        the page writes this kind."""
        if self.kind not in WRITABLE_KINDS:
            return item
        values = {"language": language_name(language), "kind": self.label}
        if verb == "Fix":
            fix = _("Fix the %(language)s %(kind)s", **values)
        else:
            fix = _("Write the %(language)s %(kind)s", **values)
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
            sentence = ngettext(
                "%(count)s guest gets the approved %(language)s %(kind)s",
                "%(count)s guests get the approved %(language)s %(kind)s",
                n,
                count=format_number(n),
                language=language_name(language),
                kind=self.label,
            )
            return LanguageReach(language, n, "approved", sentence, language)
        if language == FALLBACK_LANGUAGE and self.templates.default:
            # The environment's single template, taken to be the English one.
            sentence = ngettext(
                "%(count)s %(language)s guest gets the approved %(kind)s",
                "%(count)s %(language)s guests get the approved %(kind)s",
                n,
                count=format_number(n),
                language=language_name(language),
                kind=self.label,
            )
            return LanguageReach(language, n, "approved", sentence)
        if self.templates.default:
            return self.fallback(count)
        return self.without(count)

    def every_language(self, n: int) -> LanguageReach:
        """What every guest gets when no language has a template of its own (nor one under
        review): the default one, a plain message inside the 24-hour window, or nothing."""
        values = {"count": format_number(n), "kind": self.label}
        if self.templates.default:
            sentence = ngettext(
                "%(count)s guest gets the approved %(kind)s",
                "%(count)s guests get the approved %(kind)s",
                n,
                **values,
            )
            return LanguageReach(ALL, n, "approved", sentence)
        if self.may_text:
            sentence = ngettext(
                "No %(kind)s is approved in any language: %(count)s guest gets a plain message,"
                " which reaches only those who wrote in the last 24 hours; the others cannot be"
                " reached until one is approved",
                "No %(kind)s is approved in any language: %(count)s guests get a plain message,"
                " which reaches only those who wrote in the last 24 hours; the others cannot be"
                " reached until one is approved",
                n,
                **values,
            )
            item = LanguageReach(ALL, n, "plain", sentence)
        else:
            sentence = ngettext(
                "No %(kind)s is approved in any language: %(count)s guest cannot be reached"
                " until one is approved",
                "No %(kind)s is approved in any language: %(count)s guests cannot be reached"
                " until one is approved",
                n,
                **values,
            )
            item = LanguageReach(ALL, n, "none", sentence)
        return self.linked(item, FALLBACK_LANGUAGE)

    def rejected(self, count: LanguageCount, code: str, reason: str) -> LanguageReach:
        """Guests who would get a template WhatsApp rejected."""
        n = count.guests
        sentence = ngettext(
            "%(count)s %(language)s guest would get the %(template)s %(kind)s, which WhatsApp"
            " rejected (“%(reason)s”): fix it, or the campaign cannot start",
            "%(count)s %(language)s guests would get the %(template)s %(kind)s, which WhatsApp"
            " rejected (“%(reason)s”): fix it, or the campaign cannot start",
            n,
            count=format_number(n),
            language=language_name(count.language),
            template=language_name(code),
            kind=self.label,
            reason=reason.rstrip("."),
        )
        item = LanguageReach(count.language, n, "rejected", sentence, code, reason=reason)
        return self.linked(item, code, "Fix")

    def waiting(self, count: LanguageCount, code: str) -> LanguageReach:
        """Guests who wait for a template WhatsApp is reviewing."""
        n = count.guests
        sentence = ngettext(
            "%(count)s %(language)s guest waits for the %(template)s %(kind)s, which WhatsApp is"
            " still reviewing: the campaign can wait for its approval and starts once it is"
            " approved",
            "%(count)s %(language)s guests wait for the %(template)s %(kind)s, which WhatsApp is"
            " still reviewing: the campaign can wait for its approval and starts once it is"
            " approved",
            n,
            count=format_number(n),
            language=language_name(count.language),
            template=language_name(code),
            kind=self.label,
        )
        return LanguageReach(count.language, n, "waiting", sentence, code)

    def fallback(self, count: LanguageCount) -> LanguageReach:
        """Guests of a language without its own template, who get the default one."""
        n = count.guests
        other = "" if self.env_default else FALLBACK_LANGUAGE
        values = {
            "count": format_number(n),
            "language": language_name(count.language),
            "kind": self.label,
        }
        if other:
            sentence = ngettext(
                "%(count)s %(language)s guest has no approved %(language)s %(kind)s and would get"
                " the %(other)s one",
                "%(count)s %(language)s guests have no approved %(language)s %(kind)s and would"
                " get the %(other)s one",
                n,
                other=language_name(other),
                **values,
            )
        else:
            sentence = ngettext(
                "%(count)s %(language)s guest has no approved %(language)s %(kind)s and would get"
                " the default one",
                "%(count)s %(language)s guests have no approved %(language)s %(kind)s and would"
                " get the default one",
                n,
                **values,
            )
        item = LanguageReach(count.language, n, "fallback", sentence, other or None)
        return self.linked(item, count.language)

    def without(self, count: LanguageCount) -> LanguageReach:
        """Guests with no template at all: a plain message inside the window, else nothing."""
        n, language = count.guests, count.language
        values = {"count": format_number(n), "language": language_name(language)}
        values["kind"] = self.label
        if not self.may_text:
            item = LanguageReach(language, n, "none", _unreached(n, values))
            return self.linked(item, language)
        inside = count.in_window
        outside = n - inside
        if outside == 0:
            sentence = ngettext(
                "%(count)s %(language)s guest has no approved %(language)s %(kind)s; the guest"
                " wrote in the last 24 hours, so the guest gets a plain message",
                "%(count)s %(language)s guests have no approved %(language)s %(kind)s; they wrote"
                " in the last 24 hours, so they get a plain message",
                n,
                **values,
            )
        elif inside == 0:
            sentence = _outside(n, values)
        else:
            sentence = _partly_inside(n, inside, outside, values)
        outcome = "plain" if inside else "none"
        item = LanguageReach(language, n, outcome, sentence, in_window=inside)
        return self.linked(item, language)


def _unreached(n: int, values: dict[str, str]) -> str:
    """ "6 French guests have no approved French invitation and cannot be reached until a
    French invitation is approved" (the article "a" or "an" as English wants it)."""
    if _a(values["language"]) == "an":
        return ngettext(
            "%(count)s %(language)s guest has no approved %(language)s %(kind)s and cannot be"
            " reached until an %(language)s %(kind)s is approved",
            "%(count)s %(language)s guests have no approved %(language)s %(kind)s and cannot be"
            " reached until an %(language)s %(kind)s is approved",
            n,
            **values,
        )
    return ngettext(
        "%(count)s %(language)s guest has no approved %(language)s %(kind)s and cannot be"
        " reached until a %(language)s %(kind)s is approved",
        "%(count)s %(language)s guests have no approved %(language)s %(kind)s and cannot be"
        " reached until a %(language)s %(kind)s is approved",
        n,
        **values,
    )


def _outside(n: int, values: dict[str, str]) -> str:
    """Guests with no template, none of whom wrote in the last 24 hours."""
    if _a(values["language"]) == "an":
        return ngettext(
            "%(count)s %(language)s guest has no approved %(language)s %(kind)s and is outside"
            " WhatsApp's 24-hour window: cannot be reached until an %(language)s %(kind)s is"
            " approved",
            "%(count)s %(language)s guests have no approved %(language)s %(kind)s and are outside"
            " WhatsApp's 24-hour window: cannot be reached until an %(language)s %(kind)s is"
            " approved",
            n,
            **values,
        )
    return ngettext(
        "%(count)s %(language)s guest has no approved %(language)s %(kind)s and is outside"
        " WhatsApp's 24-hour window: cannot be reached until a %(language)s %(kind)s is"
        " approved",
        "%(count)s %(language)s guests have no approved %(language)s %(kind)s and are outside"
        " WhatsApp's 24-hour window: cannot be reached until a %(language)s %(kind)s is"
        " approved",
        n,
        **values,
    )


def _partly_inside(n: int, inside: int, outside: int, values: dict[str, str]) -> str:
    """Guests with no template, some of whom wrote in the last 24 hours: one sentence, each
    of its three counts with its own plural (a clause each, put in the sentence by name)."""
    wrote = ngettext(
        "%(count)s who wrote in the last 24 hours gets a plain message",
        "%(count)s who wrote in the last 24 hours get a plain message",
        inside,
        count=format_number(inside),
    )
    others = {**values, "count": format_number(outside)}
    if _a(values["language"]) == "an":
        rest = ngettext(
            "the other %(count)s is outside WhatsApp's 24-hour window and cannot be reached"
            " until an %(language)s %(kind)s is approved",
            "the other %(count)s are outside WhatsApp's 24-hour window and cannot be reached"
            " until an %(language)s %(kind)s is approved",
            outside,
            **others,
        )
    else:
        rest = ngettext(
            "the other %(count)s is outside WhatsApp's 24-hour window and cannot be reached"
            " until a %(language)s %(kind)s is approved",
            "the other %(count)s are outside WhatsApp's 24-hour window and cannot be reached"
            " until a %(language)s %(kind)s is approved",
            outside,
            **others,
        )
    return ngettext(
        "%(count)s %(language)s guest has no approved %(language)s %(kind)s: %(wrote)s; %(rest)s",
        "%(count)s %(language)s guests have no approved %(language)s %(kind)s: %(wrote)s; %(rest)s",
        n,
        wrote=wrote,
        rest=rest,
        **values,
    )


def notes(plan: Preflight) -> list[str]:
    """The pre-flight's other warnings, in the organiser's words (no setting's name)."""
    found = []
    if plan.missing_template:
        found.append(
            _(
                "No %(kind)s is approved in any language yet, so none can be sent: write one on"
                " the Messages page",
                kind=kind_word(plan.kind),
            )
        )
    if not plan.fits_provider_queue:
        found.append(
            _(
                "At this pace the last messages would wait more than 4 hours in Twilio's queue,"
                " which drops them: send in smaller groups, or ask the operator for a higher rate"
            )
        )
    if not plan.fits_daily_tier:
        total = (plan.sent_last_24h or 0) + plan.recipients
        found.append(
            ngettext(
                "%(count)s message in 24 hours would go over your WhatsApp daily limit of"
                " %(limit)s: the ones past it would fail",
                "%(count)s messages in 24 hours would go over your WhatsApp daily limit of"
                " %(limit)s: the ones past it would fail",
                total,
                count=format_number(total),
                limit=format_number(plan.daily_tier or 0),
            )
        )
    if not current_app.config["SETTINGS"].public_base_url:
        found.append(
            _(
                "Whether messages are delivered and read can't be followed: the service's public"
                " address is not set (ask the operator)"
            )
        )
    return found


def language_name(code: str) -> str:
    """A language's name in the page's language, from CLDR ("es": "Spanish", "español")."""
    locale = get_locale()
    names = locale.languages if locale is not None else {}
    return str(names.get(code) or english_name(code))


def _a(word: str) -> str:
    """The article before `word`: "an English", "a French"."""
    return "an" if word[:1].lower() in "aeiou" else "a"
