"""The head counts the reply reader finds, per language, and the numbers that are not heads."""

from __future__ import annotations

import pytest

from app.models import InboundKind, Rsvp
from app.services.heads import read_party
from app.services.replies import classify, normalize


@pytest.mark.parametrize(
    ("reply", "size"),
    [
        # English
        ("We'll be 4", 4), ("we will be four", 4), ("Yes! Two of us will come", 2),
        ("yes +1", 2), ("+2", 3), ("me and my wife", 2), ("my husband and I will come", 2),
        ("just me", 1), ("only me", 1), ("3", 3), ("yes, three", 3), ("3 people", 3),
        ("with my wife and 2 kids", 4), ("both of us", 2), ("party of 5", 5),
        # Spanish
        ("seremos tres", 3), ("Sí, somos 3", 3), ("vamos 4", 4), ("con mi pareja", 2),
        ("voy con mi esposa", 2), ("solo yo", 1), ("dos", 2), ("sí, cinco personas", 5),
        ("iremos nosotros dos", 2), ("diez", 10),
        # Portuguese
        ("vamos em quatro", 4), ("seremos dois", 2), ("eu e meu marido", 2), ("só eu", 1),
        ("Sim, somos 3", 3), ("vou com minha esposa", 2), ("duas pessoas", 2), ("um", None),
        ("uma", 1),
        # Arabic
        ("سنحضر ٣", 3), ("سنحضر 3", 3), ("أنا وزوجتي", 2), ("بس أنا", 1), ("نحن ٤", 4),
        ("احنا ثلاثة", 3), ("مع زوجتي", 2), ("عشرة", 10), ("٢", 2), ("شخصين", 2),
        # French
        ("nous serons 5", 5), ("on sera trois", 3), ("moi et ma femme", 2), ("juste moi", 1),
        ("oui, nous serons deux", 2), ("je viens avec mon mari", 2), ("six", 6),
        ("4 personnes", 4),
        # Companions with an article or none, lists, names, adults and kids, dialect leads
        ("Myself and wife", 2), ("me and the missus", 2), ("vou com a minha namorada", 2),
        ("eu, minha esposa e nossos 2 filhos", 4), ("me and Sarah", 2), ("eu e o Pedro", 2),
        ("Paul et moi", 2), ("moi pis ma blonde", 2), ("2 adults and 4 kids", 6),
        ("nous serons 5, 3 adultes et 2 enfants", 5), ("on va être 3", 3), ("نحنا ٤", 4),
        ("أنا والمدام", 2), ("هاجي مع جوزي", 2), ("bas ana", 1), ("e7na 3", 3),
        ("solo yo, mi marido trabaja", 1), ("we'll be 3, is there parking?", 3),
    ],
)  # fmt: skip
def test_head_counts_in_each_language(reply: str, size: int | None) -> None:
    party = read_party(reply, normalize)
    assert (party.size if party else None) == size, reply


@pytest.mark.parametrize(
    "reply",
    [
        "yes see you at 8", "Yes! At 8pm", "sí, a las 8", "sim, às 20h", "oui, à 20h30",
        "نعم الساعة 8", "see you on the 12th", "el 12 de mayo", "le 12 mai", "dia 12/05",
        "yes, table 5", "mesa 4", "ticket costs 50€", "$20 per person?", "yes, 10 minutes late",
        "llego 10 minutos tarde", "call me at +34 612 345 678", "yes 100%", "see you in 2026",
        "I will ask my wife", "yes! no one will stop me", "une question", "Is it for 2?",
        "¿puedo llevar a mi pareja?", "Yes, 20:30 works",
        "2 of us, is that ok?", "Merci et moi aussi", "Thanks and me too",
    ],
)  # fmt: skip
def test_numbers_that_are_not_heads(reply: str) -> None:
    assert read_party(reply, normalize) is None, reply


@pytest.mark.parametrize(
    ("reply", "kind", "rsvp", "party"),
    [
        ("seremos tres", InboundKind.RSVP, Rsvp.CONFIRMED, 3),
        ("nous serons 5", InboundKind.RSVP, Rsvp.CONFIRMED, 5),
        ("me and my wife", InboundKind.RSVP, Rsvp.CONFIRMED, 2),
        ("3", InboundKind.TEXT, None, 3),
        ("+1", InboundKind.TEXT, None, 2),
        ("٣", InboundKind.TEXT, None, 3),
        ("maybe, 2 of us", InboundKind.RSVP, Rsvp.MAYBE, 2),
        ("no, we can't, sorry: the 3 of us are away", InboundKind.RSVP, Rsvp.DECLINED, None),
        ("yes... can I bring 2 friends?", InboundKind.RSVP, Rsvp.CONFIRMED, None),
        ("Yes", InboundKind.RSVP, Rsvp.CONFIRMED, None),
        ("Can my wife come?", InboundKind.TEXT, None, None),
    ],
)
def test_classify_reads_the_party_beside_the_answer(
    reply: str, kind: InboundKind, rsvp: Rsvp | None, party: int | None
) -> None:
    reading = classify(reply)
    assert (reading.kind, reading.rsvp, reading.party) == (kind, rsvp, party)


def test_a_button_is_never_read_for_heads() -> None:
    assert classify("Yes 2", "yes", "Yes 2").party is None
