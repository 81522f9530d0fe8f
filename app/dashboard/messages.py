"""Messages: the organiser writes each kind of message per language, with variables as chips,
quick replies and a header image, previews it as WhatsApp shows it, and submits it for
WhatsApp's approval (`app.services.templates`); each language shows where it stands."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.config import LANGUAGES
from app.dashboard import bp
from app.dashboard.events import LANGUAGE_LABELS
from app.i18n import language as page_language
from app.models import MessageTemplate
from app.services import template_rules, templates
from app.services.template_images import MAX_BYTES
from app.services.templates import BUTTON_TITLES, WRITABLE_KINDS, Draft, TemplateError, answers_of
from app.urls import MEDIA_PATH

KIND_LABELS = {
    "invitation": _l("Invitation"),
    "reminder": _l("Reminder"),
    "followup": _l("Follow-up"),
    "update": _l("Change of time or venue"),
    "cancellation": _l("Cancellation"),
    "thanks": _l("Thank-you"),
    "missed": _l("Sorry we missed you"),
    "offer": _l("Seat offer (waitlist)"),
    "pass": _l("Pass (its image comes with it)"),
}
STATUS_LABELS = {
    "submitting": _l("Submitting"),
    "pending": _l("Waiting for WhatsApp"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "failed": _l("Not submitted"),
}
# A photo over WhatsApp's 5 MB gets the page's explanation, not a bare 413.
MAX_UPLOAD = 3 * MAX_BYTES


@bp.get("/messages")
def messages_page() -> ResponseReturnValue:
    """Every kind of message, each language's template and where it stands."""
    written = {kind.value: templates.templates_of(kind) for kind in WRITABLE_KINDS}
    return render_template(
        "dashboard/messages.html",
        written=written,
        kinds=KIND_LABELS,
        languages=LANGUAGE_LABELS,
        statuses=STATUS_LABELS,
    )


@bp.route("/messages/<kind>/<language>", methods=["GET", "POST"])
def message_edit(kind: str, language: str) -> ResponseReturnValue:
    """Write one kind of message in one language; submit it for WhatsApp's approval."""
    try:
        templates.check_kind(kind, language)
    except LookupError:
        abort(404)
    template = templates.template_of(kind, language)
    if request.method == "GET":
        return editor(kind, language, template, draft_of(kind, template, language), [])
    request.max_content_length = max(request.max_content_length or 0, MAX_UPLOAD)
    draft = posted_draft(kind, language)
    try:
        templates.save(draft)
    except TemplateError as error:
        return editor(kind, language, template, draft, error.problems), 422
    submitted = _(
        "%(kind)s in %(language)s submitted to WhatsApp.",
        kind=KIND_LABELS[kind],
        language=LANGUAGE_LABELS[language],
    )
    flash(submitted, "success")
    return redirect(url_for("dashboard.message_edit", kind=kind, language=language))


def posted_draft(kind: str, language: str) -> Draft:
    """The draft the form posted."""
    form = request.form
    buttons = tuple(
        (answer, form.get(f"title_{answer}", ""))
        for answer in answers_of(kind)
        if form.get(f"button_{answer}")
    )
    upload = request.files.get("image")
    image = None
    if upload is not None:
        try:
            image = upload.read() if upload.filename else None
        finally:
            upload.close()  # a big upload is spooled to a temporary file: close it now
    return Draft(
        kind=kind,
        language=language,
        body=form.get("body", ""),
        buttons=buttons,
        image=image,
        keep_image=not form.get("remove_image"),
    )


def draft_of(kind: str, template: MessageTemplate | None, language: str) -> Draft:
    """What the form starts with: the saved template, else the kind's buttons (Yes / No /
    Maybe, Claim / Pass, or none) and no text."""
    titles = BUTTON_TITLES[language]
    if template is None:
        return Draft(
            kind, language, "", tuple((answer, titles[answer]) for answer in answers_of(kind))
        )
    buttons = tuple((button["id"], button["title"]) for button in template.buttons)
    return Draft(template.kind, language, template.body, buttons)


def editor(
    kind: str,
    language: str,
    template: MessageTemplate | None,
    draft: Draft,
    problems: list[str],
) -> str:
    """Render the editor of one kind and language."""
    chosen = dict(draft.buttons)
    return render_template(
        "dashboard/message_edit.html",
        kind=kind,
        kind_label=KIND_LABELS[kind],
        language=language,
        languages=LANGUAGE_LABELS,
        all_languages=LANGUAGES,
        template=template,
        draft=draft,
        chosen=chosen,
        answers=answers_of(kind),
        titles=BUTTON_TITLES[language],
        # The quick replies named in the page's language (each button's label is the guests').
        answer_labels=BUTTON_TITLES.get(page_language(), BUTTON_TITLES["en"]),
        chips={chip: template_rules.CHIP_LABELS[chip] for chip in template_rules.chips_of(kind)},
        samples=template_rules.sample_values(language, kind),
        preview=template_rules.preview(draft.body, language, kind),
        problems=problems,
        statuses=STATUS_LABELS,
        media_path=MEDIA_PATH,
        rtl=language == "ar",
    )
