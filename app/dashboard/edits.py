"""Correct a guest, and delete one after a confirmation page (rules in
`app.services.guest_edits`); `show_error` puts a refusal beside its field for both edit
pages (events: `event_edits`)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, SelectField, StringField
from wtforms.validators import Length

from app.config import LANGUAGES
from app.dashboard import bp
from app.dashboard.auth import safe_next
from app.dashboard.events import LANGUAGE_LABELS
from app.dashboard.parties import NUMBER_BOX, number_field, read_party_size, read_plus_ones
from app.models import Guest
from app.models.event import MAX_PLUS_ONES
from app.services import events, guest_edits, parties
from app.services.edits import EditConflict, EditError, EditMissing
from app.services.guest_upload import VARIABLE_MAX_COUNT
from app.services.user_text import plain_text
from app.services.wording import guest_language

# Long enough for any value the import keeps; the service says what is wrong with one.
TEXT_MAX_LENGTH = 1000


class ColumnForm(Form):
    """One imported column of a guest: its name and the guest's value (empty: none)."""

    key = StringField(_l("Column"), validators=[Length(max=TEXT_MAX_LENGTH)])
    value = StringField(_l("Value"), validators=[Length(max=TEXT_MAX_LENGTH)])


class GuestForm(FlaskForm):
    """A guest's name, phone, language, party (plus-ones, party size) and imported columns."""

    name = StringField(
        _l("Name"), validators=[Length(max=TEXT_MAX_LENGTH)], render_kw={"dir": "auto"}
    )
    phone = StringField(
        _l("Phone"),
        validators=[Length(max=TEXT_MAX_LENGTH)],
        render_kw={"inputmode": "tel", "autocomplete": "off", "dir": "ltr", "spellcheck": "false"},
    )
    language = SelectField(_l("Language of their messages"))
    # Validated in this order: the party is checked against the allowance entered.
    plus_ones = number_field(_l("Plus-ones"))
    party_size = number_field(_l("Party size"))
    # The event's columns, then one more for a new column.
    columns = FieldList(FormField(ColumnForm), max_entries=VARIABLE_MAX_COUNT + 1)

    def __init__(
        self,
        *args: Any,
        event_plus_ones: int = 0,
        stored: tuple[int | None, int | None] = (None, None),
        **kwargs: Any,
    ) -> None:
        """Offer every language messages are written in; `event_plus_ones` is the allowance
        of a guest without their own, `stored` the guest's (plus-ones, party size)."""
        super().__init__(*args, **kwargs)
        self.language.choices = [(code, LANGUAGE_LABELS.get(code, code)) for code in LANGUAGES]
        self.event_plus_ones = event_plus_ones
        self.stored = stored
        self.plus_ones.render_kw = {
            **NUMBER_BOX,
            "placeholder": _("Event's: %(count)s", count=event_plus_ones),
        }

    def validate_plus_ones(self, field: Any) -> None:
        """Their own allowance, 0 to 99; empty: the event's (None)."""
        field.data = read_plus_ones(field.data, blank=None)

    def validate_party_size(self, field: Any) -> None:
        """1 to 1 + the allowance entered (the event's when empty, any when refused);
        empty: not said (None)."""
        own = None if self.plus_ones.errors else self.plus_ones.data
        if not self.plus_ones.errors and (own, (field.data or "").strip()) == (
            self.stored[0],
            "" if self.stored[1] is None else str(self.stored[1]),
        ):
            field.data = self.stored[1]  # unchanged: a lowered event allowance holds nothing up
            return
        allowed = MAX_PLUS_ONES if self.plus_ones.errors else self.event_plus_ones
        field.data = read_party_size(field.data, parties.allowance(own, allowed))

    def variables(self) -> dict[str, str]:
        """The columns with a value, by name (an empty value removes the column)."""
        return {
            (entry.key.data or "").strip(): (entry.value.data or "").strip()
            for entry in self.columns
            if (entry.key.data or "").strip() and (entry.value.data or "").strip()
        }


def guest_form(guest: Guest) -> GuestForm:
    """The form as posted, or filled from the guest (each of the event's columns, then a
    blank one for a new column)."""
    if request.method == "POST":
        form = GuestForm(
            event_plus_ones=guest.event.plus_ones, stored=(guest.plus_ones, guest.party_size)
        )
    else:
        names = [*events.variable_names(guest.event_id), *guest.variables]
        columns = [
            {"key": key, "value": guest.variables.get(key, "")} for key in dict.fromkeys(names)
        ]
        form = GuestForm(
            data={
                "name": guest.name,
                "phone": guest.phone,
                "language": guest_language(guest.language, guest.phone),
                "plus_ones": guest.plus_ones,
                "party_size": guest.party_size,
                "columns": columns,
            },
            event_plus_ones=guest.event.plus_ones,
        )
    if len(form.columns) <= VARIABLE_MAX_COUNT and (
        not form.columns.entries or form.columns.entries[-1].key.data
    ):
        form.columns.append_entry()
    return form


def guest_changes(form: GuestForm, guest: Guest) -> dict[str, Any]:
    """What the form changes of the guest (a phone as stored is not checked again)."""
    entered = {
        "name": form.name.data or "",
        "phone": (form.phone.data or "").strip(),
        "language": form.language.data,
        "variables": form.variables(),
        "plus_ones": form.plus_ones.data,
        "party_size": form.party_size.data,
    }
    current = {
        "name": guest.name,
        "phone": guest.phone,
        "language": guest_language(guest.language, guest.phone),
        "variables": guest.variables,
        "plus_ones": guest.plus_ones,
        "party_size": guest.party_size,
    }
    return {key: value for key, value in entered.items() if value != current[key]}


def show_error(form: FlaskForm, error: EditError) -> tuple[int, str | None]:
    """Put the refusal beside its field; its status code, and the message when it names
    no field of the form (the page shows it elsewhere)."""
    text = plain_text(str(error))  # it may quote a guest's name
    message = f"{text[:1].upper()}{text[1:]}."
    status = 409 if isinstance(error, EditConflict) else 400
    if error.field is None or error.field not in form or error.field == "columns":
        return status, message
    form[error.field].errors = [*form[error.field].errors, message]
    return status, None


def default_region() -> str:
    """The service's default region (`DEFAULT_PHONE_REGION`), for an event without a country."""
    return str(current_app.config["SETTINGS"].default_phone_region)


@bp.route("/guests/<int:guest_id>/edit", methods=["GET", "POST"])
def edit_guest(guest_id: int) -> ResponseReturnValue:
    """Correct a guest's name, phone, language and columns, then go back to the guest list."""
    guest = find_guest(guest_id)
    back = safe_next(
        request.values.get("next") or url_for("dashboard.event_page", event_id=guest.event_id)
    )
    form, status, problem = guest_form(guest), 200, None
    if form.validate_on_submit():
        try:
            edit = guest_edits.update_guest(guest_id, guest_changes(form, guest), default_region())
        except EditMissing:
            abort(404, description=_("Guest %(id)s does not exist.", id=guest_id))
        except EditError as error:
            status, problem = show_error(form, error)
        else:
            name = plain_text(edit.guest.name)
            if edit.opted_out:
                saved = _(
                    "%(name)s saved. This number asked not to be messaged (opted out).", name=name
                )
            else:
                saved = _("%(name)s saved.", name=name)
            flash(saved, "success")
            return redirect(back)
    elif request.method == "POST":
        status = 400
    guest = find_guest(guest_id)  # as stored (a refused change was rolled back)
    body = render_template(
        "dashboard/guest_edit.html",
        form=form,
        guest=guest,
        event=guest.event,
        back=back,
        problem=problem,
    )
    return body, status


def find_guest(guest_id: int) -> Guest:
    """The guest, or a 404 page."""
    try:
        return guest_edits.find_guest(guest_id)
    except EditMissing:
        abort(404, description=_("Guest %(id)s does not exist.", id=guest_id))


@bp.get("/guests/<int:guest_id>/delete")
def confirm_guest_deletion(guest_id: int) -> ResponseReturnValue:
    """Ask before deleting a guest, saying what stays and what goes."""
    guest = find_guest(guest_id)
    back = safe_next(
        request.args.get("next") or url_for("dashboard.event_page", event_id=guest.event_id)
    )
    return render_template("dashboard/guest_delete.html", guest=guest, event=guest.event, back=back)


@bp.post("/guests/<int:guest_id>/delete")
def delete_guest(guest_id: int) -> ResponseReturnValue:
    """Delete a guest, then go back to the guest list."""
    guest = find_guest(guest_id)
    name, event_id = plain_text(guest.name), guest.event_id
    back = safe_next(request.form.get("next") or url_for("dashboard.event_page", event_id=event_id))
    try:
        guest_edits.delete_guest(guest_id)
    except EditMissing:
        abort(404, description=_("Guest %(id)s does not exist.", id=guest_id))
    except EditConflict as error:
        flash(_("%(name)s was not deleted: %(reason)s.", name=name, reason=error), "error")
        return redirect(url_for("dashboard.confirm_guest_deletion", guest_id=guest_id, next=back))
    flash(_("%(name)s deleted.", name=name), "success")
    return redirect(back)
