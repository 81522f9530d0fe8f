"""An event's questions to the guests who say yes: their answers, a new one, removing one
(rules in `app.services.event_questions`)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from app.config import LANGUAGES
from app.dashboard import bp
from app.dashboard.events import LANGUAGE_LABELS
from app.dashboard.guests import require_event
from app.models import QuestionKind
from app.services import event_questions, question_wording
from app.services.event_questions import MAX_CHOICE, MAX_WORDING

KIND_LABELS = {
    QuestionKind.TEXT.value: _l("Answered in their own words"),
    QuestionKind.CHOICE.value: _l("One of several choices"),
    QuestionKind.CHOICES.value: _l("One or more of several choices"),
}


class QuestionForm(FlaskForm):
    """A question's kind, and its words and choices in each language the organiser fills."""

    kind = SelectField(
        _l("How guests answer"),
        choices=[SelectChoice(value, label) for value, label in KIND_LABELS.items()],
    )

    def wordings(self) -> dict[str, tuple[Any, Any]]:
        """Each language's question and choices fields."""
        return {code: (self[f"text_{code}"], self[f"choices_{code}"]) for code in LANGUAGES}

    def others_given(self) -> bool:
        """Whether words were given in a language other than English (to show them)."""
        return any(
            (words.data or "").strip() or (choices.data or "").strip()
            for code, (words, choices) in self.wordings().items()
            if code != "en"
        )

    def question(self) -> dict[str, Any]:
        """The question as the API takes it: its kind, words and choices by language;
        ValueError when it has no words or its languages list different choices."""
        wording, lines = {}, {}
        for code, (words, choices) in self.wordings().items():
            if (words.data or "").strip():
                wording[code] = words.data
            given = [line.strip() for line in (choices.data or "").splitlines() if line.strip()]
            if given:
                lines[code] = given
        if not wording:
            raise ValueError(_("write the question in at least one language"))
        body: dict[str, Any] = {"kind": self.kind.data, "text": wording}
        if self.kind.data != QuestionKind.TEXT.value:
            body["choices"] = _choices(lines)
        return body


for _code in LANGUAGES:
    setattr(
        QuestionForm,
        f"text_{_code}",
        StringField(
            _l("Question in %(language)s", language=LANGUAGE_LABELS[_code]),
            validators=[Optional(), Length(max=MAX_WORDING)],
            render_kw={"dir": "auto", "lang": _code},
        ),
    )
    setattr(
        QuestionForm,
        f"choices_{_code}",
        TextAreaField(
            _l("Choices in %(language)s", language=LANGUAGE_LABELS[_code]),
            validators=[
                Optional(),
                Length(max=(MAX_CHOICE + 1) * event_questions.MAX_CHOICES + 10),
            ],
            render_kw={"dir": "auto", "lang": _code, "rows": 4},
        ),
    )


def _choices(lines: dict[str, list[str]]) -> list[dict[str, str]]:
    """The choices by language from each language's lines (in the same order); ValueError
    when two languages list a different number of them."""
    if not lines:
        return []
    counts = {code: len(given) for code, given in lines.items()}
    if len(set(counts.values())) > 1:
        # "العربية has 2": a number right after Arabic words would be laid out before them.
        listed = ", ".join(
            _("%(language)s has %(count)d", language=LANGUAGE_LABELS[code], count=count)
            for code, count in counts.items()
        )
        raise ValueError(
            _(
                "each language must list the same choices, in the same order (%(counts)s)",
                counts=listed,
            )
        )
    size = next(iter(counts.values()))
    return [{code: given[index] for code, given in lines.items()} for index in range(size)]


@bp.route("/events/<int:event_id>/questions", methods=["GET", "POST"])
def questions_page(event_id: int) -> ResponseReturnValue:
    """The event's questions with their answers, and a form to add one."""
    event = require_event(event_id)
    form, problem, status = QuestionForm(), None, 200
    if form.validate_on_submit():
        try:
            question = event_questions.add_question(
                event.id, event_questions.check_question(form.question())
            )
        except ValueError as error:
            problem, status = _readable(str(error)), 422
        else:
            flash(_("Question %(position)s added.", position=question.position), "success")
            return redirect(url_for("dashboard.questions_page", event_id=event.id))
    elif form.is_submitted():
        problem, status = _("Check the fields marked below."), 422
    found = event_questions.list_questions(event.id)
    body = render_template(
        "dashboard/questions.html",
        event=event,
        questions=found,
        tallies=event_questions.tallies(event.id, found),
        form=form,
        problem=problem,
        kind_labels=KIND_LABELS,
        languages=LANGUAGE_LABELS,
        asked=lambda question: question_wording.ask(question, len(found), "en"),
        worded=event_questions.worded,
    )
    return body, status


def _readable(error: str) -> str:
    """The service's message in the form's words (its fields are named after the API's)."""
    replacements = {
        "'choices'": "choices",
        "choices[": "choice ",
        "text.": "the question in ",
        "text must": "the question must",
    }
    for api, form in replacements.items():
        error = error.replace(api, form)
    sentence = error[0].upper() + error[1:]
    return sentence if sentence.endswith(".") else sentence + "."


@bp.post("/events/<int:event_id>/questions/<int:question_id>/remove")
def remove_question(event_id: int, question_id: int) -> ResponseReturnValue:
    """Remove a question and its answers, then go back to the questions."""
    event = require_event(event_id)
    if event_questions.remove_question(event.id, question_id):
        flash(_("Question removed, with its answers."), "success")
    else:
        flash(_("That question was already removed."), "error")
    return redirect(url_for("dashboard.questions_page", event_id=event.id))
