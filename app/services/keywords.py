"""Match a whole message to a known keyword ("yes", "sí", "STOP", "👍"), in en/es/pt/ar/fr."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType

from app.config import LANGUAGES


class Intent(StrEnum):
    """What a whole message asks for."""

    YES = "yes"
    NO = "no"
    MAYBE = "maybe"
    STOP = "stop"
    START = "start"


# Normalised forms (see `normalize`): lower case, no accents, tashkeel or punctuation.
# A word listed under several languages is answered in the one the sender's number suggests.
VOCABULARY: dict[Intent, dict[str, tuple[str, ...]]] = {
    Intent.YES: {
        "en": ("yes", "y", "yeah", "yea", "yep", "yup", "ok", "okay", "okey", "sure", "confirm",
               "confirmed", "i confirm", "attending", "i will attend", "i ll be there",
               "of course", "count me in", "yes i will attend", "k", "kk", "why not"),
        "es": ("si", "claro", "claro que si", "confirmo", "confirmado", "asistire", "si asistire",
               "si voy", "alli estare", "ahi estare", "ok", "confirmar asistencia", "va",
               "por que no", "porque no", "como no"),
        "pt": ("sim", "claro", "com certeza", "confirmo", "confirmado", "vou", "sim vou",
               "estarei la", "ok", "confirmar presenca", "presenca confirmada", "por que nao",
               "porque nao", "como nao"),
        "ar": ("نعم", "اجل", "ايوه", "ايوا", "اكيد", "موافق", "تمام", "ساحضر", "نعم ساحضر", "ok",
               "ليش لا", "ليه لا", "لم لا", "lesh la2", "leh la2", "يب", "يس", "yep"),
        "fr": ("oui", "ouais", "ok", "d accord", "bien sur", "oui bien sur", "avec plaisir",
               "je confirme", "confirme", "present", "presente", "je viens", "je viendrai",
               "j y serai", "volontiers", "absolument", "evidemment", "oui je viens",
               "ca marche", "carrement", "grave", "pourquoi pas"),
    },
    Intent.NO: {
        "en": ("no", "n", "nope", "nah", "no thanks", "no thank you", "decline", "declined",
               "not attending", "can t make it", "cannot attend", "i can t", "not going"),
        "es": ("no", "no puedo", "no asistire", "no voy", "no gracias", "no podre", "paso",
               "paso gracias", "yo paso", "nop", "nel", "nel pastel", "nones"),
        "pt": ("nao", "nao posso", "nao vou", "nao poderei", "infelizmente nao", "nao obrigado"),
        "ar": ("لا", "لا استطيع", "لن احضر", "اعتذر", "لا شكرا"),
        "fr": ("non", "non merci", "je ne peux pas", "je ne pourrai pas", "je ne viendrai pas",
               "pas possible", "impossible", "malheureusement non", "non desole",
               "non desolee", "nan", "nan merci", "nan desole", "nan desolee"),
    },
    Intent.MAYBE: {  # a maybe said as the answer; doubts ("not sure") are read as sentences
        "en": ("maybe", "perhaps", "possibly", "tentative", "might"),
        "es": ("quizas", "quiza", "tal vez", "talvez", "a lo mejor", "puede ser"),
        "pt": ("talvez", "pode ser", "quem sabe"),
        "ar": ("ربما", "يمكن", "ممكن", "mumkin", "momken", "mmkn", "yemken", "yimkin"),
        "fr": ("peut etre", "peutetre"),
    },
    Intent.STOP: {
        "en": ("stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "optout",
               "opt out", "revoke"),
        "es": ("baja", "dar de baja", "darme de baja", "parar", "cancelar", "detener"),
        "pt": ("parar", "sair", "cancelar", "descadastrar", "pare"),
        "ar": ("الغاء", "الغاء الاشتراك", "توقف", "ايقاف"),
        "fr": ("arret", "arreter", "desabonner", "me desabonner", "se desabonner",
               "desinscrire", "me desinscrire", "desinscription", "desabonnement"),
    },
    Intent.START: {
        "en": ("start", "unstop", "subscribe", "resume", "optin", "opt in"),
        "es": ("alta", "dar de alta", "darme de alta", "reanudar", "comenzar"),
        "pt": ("voltar", "iniciar", "comecar", "reativar"),
        "ar": ("ابدا", "اشتراك", "تفعيل"),
        "fr": ("reprendre", "reactiver", "m abonner", "reabonner", "me reabonner"),
    },
}  # fmt: skip


EMOJI = MappingProxyType({"\U0001f44d": Intent.YES, "\U0001f44e": Intent.NO})
# Keywords are short: a longer message is text without looking at every character.
MAX_KEYWORD_CHARS = 64
# Alef maksura as yeh, teh marbuta as heh, and no tatweel: spellings people mix freely.
ARABIC_LETTER_VARIANTS = str.maketrans({"\u0649": "\u064a", "\u0629": "\u0647", "\u0640": None})
REPEATED_LETTERS = re.compile(r"(.)\1+")
# Laughter in each language's spelling: "kkkk", "jajaja", "hahaha", "rsrs", Arabic heh
# repeated, "mdr".
LAUGH = r"(?:k{3,}|(?:ha|ah|he|ja|je|hi|rs)+h?|\u0647{2,}|l+o+l+|mdr|ptdr|xd)"
LAUGHTER = re.compile(f"{LAUGH}(?: {LAUGH})*")
# Courtesies around an opt-out keyword ("Stop merci", "STOP please", "الغاء شكرا").
POLITE = re.compile(
    "(?:^| )(?:please|pls|plz|thanks|thank you|thx|merci|merci beaucoup|svp|stp|s il vous plait"
    "|por favor|porfa|gracias|obrigado|obrigada|valeu|por gentileza|شكرا|لو سمحت|من فضلك"
    "|الرجاء|عافاك)(?= |$)"
)


def normalize(text: str, limit: int = MAX_KEYWORD_CHARS) -> str:
    """Fold case, accents, tashkeel, punctuation, emoji and spacing away, for matching
    (nothing of a text longer than `limit`)."""
    return "" if len(text) > limit else _folded(text)


@lru_cache(maxsize=1024)
def _folded(text: str) -> str:
    """`normalize`'s work: a reply is folded by several readers (whole, per sentence, for
    keywords and for the model), so each text is folded once."""
    characters = []
    for char in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(char)
        if category in ("Mn", "Me", "Cf", "Sk"):
            continue  # accents, Arabic harakat and hamza marks, joiners, skin tones
        characters.append(" " if category[0] in "PSZC" else char)
    return " ".join("".join(characters).casefold().translate(ARABIC_LETTER_VARIANTS).split())


def _squeeze(text: str) -> str:
    """Collapse repeated letters, so that "siii" and "yesss" read as "si" and "yes"."""
    return REPEATED_LETTERS.sub(r"\1", text)


def _index() -> tuple[dict[str, tuple[Intent, tuple[str, ...]]], dict[str, str]]:
    """Map each normalised keyword to its intent and languages, and squeezed forms to it."""
    words: dict[str, tuple[Intent, tuple[str, ...]]] = {}
    for intent, languages in VOCABULARY.items():
        for language, phrases in languages.items():
            for phrase in phrases:
                known, langs = words.get(phrase, (intent, ()))
                if known is not intent:
                    raise ValueError(f"{phrase!r} is listed as both {known} and {intent}")
                words[phrase] = (intent, (*langs, language))
    squeezed = {_squeeze(phrase): phrase for phrase in words}
    return words, squeezed


_KEYWORDS, _SQUEEZED = _index()
KEYWORDS = MappingProxyType(_KEYWORDS)
SQUEEZED = MappingProxyType(_SQUEEZED)


def _known(normalized: str) -> str | None:
    """The keyword a normalised text is, as written or with its letters squeezed."""
    return normalized if normalized in KEYWORDS else SQUEEZED.get(_squeeze(normalized))


def _opt_out_said_politely(normalized: str) -> str | None:
    """An opt-out keyword with only courtesies around it ("Stop merci", "baja por favor")."""
    bare = POLITE.sub("", normalized).strip()
    keyword = _known(bare) if bare != normalized else None
    return keyword if keyword and KEYWORDS[keyword][0] is Intent.STOP else None


def match_keyword(text: str | None) -> tuple[Intent, tuple[str, ...], str] | None:
    """Return (intent, languages, keyword) when the whole text is one known keyword."""
    if not text:
        return None
    normalized = normalize(text)
    if LAUGHTER.fullmatch(normalized):  # "kkkkk" is a laugh, not a squeezed "k"
        return None
    keyword = _known(normalized) or _opt_out_said_politely(normalized)
    if keyword is not None:
        intent, languages = KEYWORDS[keyword]
        return intent, languages, keyword
    symbols = "".join(c for c in text if not c.isspace() and c not in "\ufe0f\u200d")
    symbols = "".join(c for c in symbols if unicodedata.category(c) != "Sk")
    emoji_intent = EMOJI.get(symbols)
    return (emoji_intent, LANGUAGES, symbols) if emoji_intent else None
