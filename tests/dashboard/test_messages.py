"""The Messages page: a template written per kind and language, checked as Meta would check it
before anything is submitted, its header image checked and served at an unguessable URL."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.services import templates
from tests.support.database import query

SPANISH = "Hola {guest}, te invitamos a {event} el {when} en {venue}. ¿Vendrás? Responde abajo."
BUTTONS = {"button_yes": "1", "title_yes": "Sí", "button_no": "1", "title_no": "No"}


def picture(kind: str = "PNG", size: tuple[int, int] = (80, 40)) -> bytes:
    """An image of this format and size."""
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, kind)
    return out.getvalue()


def submit(client: FlaskClient, language: str = "es", image: bytes | None = None, **fields: str):  # type: ignore[no-untyped-def]
    """Post the editor of the invitation in `language`."""
    data: dict[str, object] = {"body": SPANISH, **BUTTONS, **fields}
    if image is not None:
        data["image"] = FileStorage(io.BytesIO(image), "card.png", content_type="image/png")
    # Encoded in memory: the test client spools a big body to a file it never closes.
    boundary, body = encode_multipart(data)
    return client.post(
        f"/messages/invitation/{language}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_the_page_lists_each_kind_and_language(public_user: FlaskClient) -> None:
    page = public_user.get("/messages").get_data(as_text=True)

    assert page.count("Not written") == 9 * 5
    for kind in ("reminder", "update", "cancellation", "thanks", "missed", "offer", "pass"):
        assert f'href="/messages/{kind}/ar"' in page


def test_a_template_with_an_image_is_kept_to_be_submitted(
    public_app: Flask, public_user: FlaskClient
) -> None:
    response = submit(public_user, image=picture())

    assert response.status_code == 302
    [row] = query(
        public_app,
        "SELECT kind, language, body, buttons, status, image_token FROM message_templates",
    )
    assert (row.kind, row.language, row.status) == ("invitation", "es", "submitting")
    assert row.body == SPANISH
    assert row.buttons == [{"id": "yes", "title": "Sí"}, {"id": "no", "title": "No"}]
    assert len(row.image_token) >= 43
    served = public_user.get(f"/media/{row.image_token}")
    assert (served.status_code, served.mimetype) == (200, "image/png")
    assert served.data == picture()
    assert "immutable" in served.headers["Cache-Control"]
    anonymous = public_app.test_client().get(f"/media/{row.image_token}")
    assert anonymous.status_code == 200  # WhatsApp fetches it without a session
    assert public_app.test_client().get("/media/" + "x" * 43).status_code == 404
    editor = public_user.get("/messages/invitation/es").get_data(as_text=True)
    assert "Submitting" in editor and f"/media/{row.image_token}" in editor


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"body": "{guest}, te invitamos a {event}. Responde."}, "can&#39;t start or end"),
        ({"body": "Te invitamos a la fiesta de {guest}"}, "can&#39;t start or end"),
        ({"body": "Hola, ven a {event} {when} por favor."}, "next to each other"),
        ({"body": "Hola {guest}, a {event} el {when} ya."}, "Too many variables"),
        ({"body": "Hola {{1}}, ven a la fiesta."}, "not as {{1}}"),
        ({"body": "Hola {nombre}, ven a la fiesta."}, "is not a variable"),
        ({"body": "   "}, "it is empty"),
        ({"body": "Te esperamos el sábado. Todo está en {page_url} para ti."}, "recognises"),
        ({"title_yes": "Sí, allí estaré sin falta"}, "WhatsApp allows 20"),
        ({"title_no": "  "}, "A button needs a label"),
    ],
)
def test_what_meta_would_refuse_is_refused_before_submitting(
    public_app: Flask, public_user: FlaskClient, fields: dict[str, str], problem: str
) -> None:
    response = submit(public_user, **fields)

    assert response.status_code == 422
    assert problem in response.get_data(as_text=True)
    assert query(public_app, "SELECT id FROM message_templates") == []


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        (b"GIF89a not really", "not an image"),
        (picture("GIF"), "WhatsApp takes a JPEG or PNG"),
        (picture("PNG")[:60], "damaged"),
        (picture("JPEG") + b"\0" * (5 * 1024 * 1024), "WhatsApp takes up to 5 MB"),
    ],
)
def test_an_image_that_is_not_a_header_is_refused(
    public_app: Flask, public_user: FlaskClient, image: bytes, problem: str
) -> None:
    response = submit(public_user, image=image)

    assert response.status_code == 422
    assert problem in response.get_data(as_text=True)
    assert query(public_app, "SELECT token FROM template_images") == []
    assert query(public_app, "SELECT id FROM message_templates") == []


def test_a_far_too_large_upload_is_told_in_the_editors_words(
    public_app: Flask, public_user: FlaskClient
) -> None:
    response = submit(public_user, image=b"\xff\xd8" + b"\0" * (16 * 1024 * 1024))

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "WhatsApp takes a JPEG or PNG of up to 5 MB" in page
    assert "import it in parts" not in page  # the guest import's words
    assert query(public_app, "SELECT token FROM template_images") == []
    assert query(public_app, "SELECT id FROM message_templates") == []


def test_a_jpeg_header_is_taken(public_app: Flask, public_user: FlaskClient) -> None:
    assert submit(public_user, image=picture("JPEG")).status_code == 302

    [image] = query(public_app, "SELECT content_type, width, height FROM template_images")
    assert tuple(image) == ("image/jpeg", 80, 40)


def test_without_a_public_url_neither_an_image_nor_a_page_link_can_be_used(
    user: FlaskClient,
) -> None:
    body = "Hola {guest}, te invitamos a {event}: los detalles en {page_url} cuando quieras."
    response = submit(user, image=picture(), body=body)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "guest page link needs PUBLIC_BASE_URL" in page
    assert "header image needs PUBLIC_BASE_URL" in page


def test_an_unknown_kind_or_language_is_not_found(public_user: FlaskClient) -> None:
    assert public_user.get("/messages/reply/es").status_code == 404
    assert public_user.get("/messages/invitation/de").status_code == 404


# Each kind the engine sends outside the window: a body using its own chips, the buttons it
# has (posted as the form does), and the chips and buttons its editor offers.
KINDS = {
    "update": (
        "Hola {guest}, cambiamos {changed} de {event}: ahora es el {when} en {venue}."
        " ¡Te esperamos allí!",
        {},
        (),
    ),
    "cancellation": ("Hola {guest}, lo sentimos: {event} del {when} se cancela.", {}, ()),
    "thanks": ("Hola {guest}, ¡gracias por venir a {event}! Hasta pronto.", {}, ()),
    "missed": ("Hola {guest}, te echamos de menos en {event}. Hasta pronto.", {}, ()),
    "offer": (
        "Hola {guest}, hay un sitio libre en {event} para ti hasta el {until}. ¿Lo quieres?",
        {"button_claim": "1", "title_claim": "La quiero", "button_pass": "1",
         "title_pass": "Paso"},
        (("claim", "La quiero"), ("pass", "Paso")),
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_sent_outside_the_window_is_written_with_its_own_chips_and_buttons(
    public_app: Flask, public_user: FlaskClient, kind: str
) -> None:
    body, buttons, saved_buttons = KINDS[kind]
    editor = public_user.get(f"/messages/{kind}/es").get_data(as_text=True)
    for label in ("Guest name", "Event"):
        assert label in editor
    assert ('data-chip="changed"' in editor) is (kind == "update")
    assert ('data-chip="until"' in editor) is (kind == "offer")
    assert ('name="button_claim"' in editor) is (kind == "offer")
    assert 'name="button_yes"' not in editor

    response = public_user.post(
        f"/messages/{kind}/es", data={"body": body, **buttons}, content_type="multipart/form-data"
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    [row] = query(public_app, "SELECT kind, language, body, buttons, status FROM message_templates")
    assert (row.kind, row.language, row.body, row.status) == (kind, "es", body, "submitting")
    assert [(b["id"], b["title"]) for b in row.buttons] == list(saved_buttons)


@pytest.mark.parametrize(
    ("kind", "fields", "problem"),
    [
        ("update", {"body": "Hola {guest}, tu sitio en {event} es tuyo hasta el {until} sí."},
         "{until} is not a variable of this message"),
        ("invitation", {"body": "Hola {guest}, cambiamos {changed} de {event} para ti."},
         "{changed} is not a variable of this message"),
        ("offer", {"body": "Hola {guest}, hay sitio en {event} para ti. ¿Vienes?",
                   "button_yes": "1", "title_yes": "Sí"},
         None),
        ("thanks", {"body": "Hola {guest}, gracias por venir a {event}. Hasta pronto.",
                    "button_claim": "1", "title_claim": "Otra"}, None),
    ],
)  # fmt: skip
def test_a_kind_takes_only_its_own_chips_and_buttons(
    public_app: Flask,
    public_user: FlaskClient,
    kind: str,
    fields: dict[str, str],
    problem: str | None,
) -> None:
    response = public_user.post(
        f"/messages/{kind}/es", data=fields, content_type="multipart/form-data"
    )

    if problem is None:  # a button the kind lacks is not even read from the form
        assert response.status_code == 302
        assert query(public_app, "SELECT buttons FROM message_templates")[0].buttons == []
        return
    assert response.status_code == 422
    assert problem in response.get_data(as_text=True)
    assert query(public_app, "SELECT id FROM message_templates") == []


def test_the_service_refuses_a_button_the_kind_does_not_have(public_app: Flask) -> None:
    body = "Hola {guest}, hay un sitio en {event} para ti. ¿Lo quieres?"
    draft = templates.Draft("offer", "es", body, (("yes", "Sí"), ("claim", "La quiero")))
    with public_app.app_context(), pytest.raises(templates.TemplateError, match="'yes' button"):
        templates.save(draft)

    assert query(public_app, "SELECT id FROM message_templates") == []


def test_the_pass_is_written_without_buttons_or_header_its_image_being_the_pass(
    public_app: Flask, public_user: FlaskClient
) -> None:
    editor = public_user.get("/messages/pass/fr").get_data(as_text=True)
    assert 'data-chip="party"' in editor and 'data-chip="code"' in editor
    assert 'name="image"' not in editor and 'name="button_yes"' not in editor
    body = "Bonjour {guest}, votre passe pour {event} est pour {party}, code {code}. À bientôt !"

    response = public_user.post(
        "/messages/pass/fr", data={"body": body}, content_type="multipart/form-data"
    )

    assert response.status_code == 302
    [row] = query(public_app, "SELECT kind, buttons, image_token FROM message_templates")
    assert (row.kind, row.buttons, row.image_token) == ("pass", [], None)


def test_without_a_public_url_a_pass_template_is_refused(user: FlaskClient) -> None:
    body = "Hola {guest}, tu pase para {event} es para {party}, código {code}. ¡Hasta pronto!"

    response = user.post("/messages/pass/es", data={"body": body})

    assert response.status_code == 422
    assert "pass&#39;s image needs PUBLIC_BASE_URL" in response.get_data(as_text=True)
