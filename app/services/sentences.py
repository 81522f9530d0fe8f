"""Find the answer inside a free sentence, in en/es/pt/ar/fr: "Sí, claro, allí estaré".

Whole-message keywords live in `replies.VOCABULARY`; longer messages are read clause by
clause: explicit answers, attendance verbs (a "yes", or a "no" after a negation in the same
clause), polite phrases that decide nothing, and contrasts ("yes... actually no") after which
the rest decides. A message that says both, or only asks, is left to the organiser; a change
of mind never turns an earlier "no" into a "yes".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Role(StrEnum):
    """What a phrase does inside a sentence."""

    YES = "yes"
    NO = "no"
    MAYBE = "maybe"
    VERB = "verb"  # attending: yes, or no after a negation in the same clause
    NEUTRAL = "neutral"  # decides nothing, and hides the words inside it ("no problem")
    CONTRAST = "contrast"  # a change of mind: what follows decides
    UNCLEAR = "unclear"  # a reading, not a phrase: says both, or asks without answering


PHRASES: dict[Role, dict[str, tuple[str, ...]]] = {
    Role.YES: {
        "en": ("yes", "yeah", "yea", "yep", "yup", "sure", "absolutely", "definitely",
               "of course", "count me in", "count us in", "i m in", "we re in", "see you there",
               "see you then", "see you soon", "looking forward", "look forward",
               "can t wait", "cant wait", "wouldn t miss it", "won t miss it",
               "wouldn t miss", "yes please", "confirmed", "i confirm", "we confirm",
               "with pleasure", "for sure", "certainly", "yess"),
        "es": ("si", "claro", "claro que si", "por supuesto", "desde luego", "confirmo",
               "confirmado", "confirmamos", "cuenta conmigo", "cuenta con nosotros",
               "cuenten conmigo", "alli estare", "ahi estare", "alli estaremos",
               "ahi estaremos", "sin falta", "con gusto", "encantado", "encantada",
               "nos vemos", "por supuestisimo", "obvio", "dale"),
        "pt": ("sim", "claro", "claro que sim", "com certeza", "certeza", "confirmo",
               "confirmado", "confirmada", "confirmamos", "pode contar comigo",
               "pode contar com a gente", "conte comigo", "contem comigo", "estarei la",
               "estaremos la", "sem falta", "com prazer", "ate la", "nos vemos la", "opa",
               "bora", "presenca confirmada"),
        "ar": ("نعم", "اجل", "ايوه", "ايوا", "اكيد", "بالتاكيد", "طبعا", "اكيد ان شاء الله",
               "موافق", "موكد", "تم", "ما عندي مانع", "بكل سرور", "اكون موجود", "بكون موجود",
               "نشوفكم", "اشوفكم", "سنكون هناك", "ساكون هناك", "لبيك"),
        "fr": ("oui", "ouais", "ouai", "bien sur", "bien sur que oui", "avec plaisir",
               "avec grand plaisir", "avec joie", "volontiers", "absolument", "certainement",
               "evidemment", "carrement", "je confirme", "nous confirmons", "on confirme",
               "confirme", "confirmee", "confirmes", "compte sur moi", "comptez sur moi",
               "comptez sur nous", "compte sur nous", "a bientot", "au plaisir", "sans faute",
               "ravi", "ravie", "ravis"),
    },
    Role.NO: {
        "en": ("no", "nope", "nah", "no thanks", "no thank you", "decline", "i decline",
               "can t", "cant", "cannot", "won t", "unable", "not able", "unfortunately",
               "sadly", "regret", "regretfully", "i m afraid not", "afraid not",
               "of course not", "definitely not", "probably not", "i don t think so",
               "not this time", "no way", "not going", "not coming", "not attending",
               "can t make it", "won t make it", "will miss it", "have to miss",
               "must decline", "i will pass", "i ll pass", "we ll pass", "not possible",
               "other plans", "another commitment", "out of town", "i m away", "will be away"),
        "es": ("no", "no gracias", "no puedo", "no podre", "no podemos", "no podremos",
               "no voy", "no iremos", "no asistire", "imposible", "lamentablemente",
               "desafortunadamente", "por desgracia", "lo lamento", "claro que no",
               "creo que no", "no creo", "para nada", "tampoco", "otro compromiso",
               "estare de viaje", "estoy de viaje", "fuera de la ciudad",
               "estare fuera", "estaremos fuera", "mejor no",
               "me es imposible"),
        "pt": ("nao", "nao posso", "nao vou", "nao poderei", "nao podemos", "nao vamos",
               "nao da", "nao consigo", "infelizmente", "infelizmente nao", "nao obrigado",
               "nao obrigada", "claro que nao", "acho que nao", "impossivel", "de jeito nenhum",
               "nem pensar", "outro compromisso", "estarei viajando", "estaremos viajando",
               "vou estar viajando",
               "fora da cidade", "lamento", "nao vai dar"),
        "ar": ("لا", "لن احضر", "لن اتمكن", "لا استطيع", "ما اقدر", "مااقدر", "ماقدر", "ما راح",
               "ماراح", "اعتذر", "اعتذر عن الحضور", "اسف", "اسفه", "للاسف", "مع الاسف",
               "لا شكرا", "مستحيل", "مو قادر", "مش قادر", "مب قادر", "لا اقدر", "مسافر",
               "مسافره", "خارج البلد", "عندي ارتباط", "مرتبط", "اكيد لا"),
        "fr": ("non", "non merci", "pas possible", "impossible", "malheureusement", "helas",
               "je regrette", "nous regrettons", "je ne peux pas", "je ne pourrai pas",
               "on ne pourra pas", "nous ne pourrons pas", "pas dispo", "pas disponible",
               "indisponible", "indisponibles", "empeche", "empechee", "empechement",
               "je decline", "decliner", "autre engagement", "deja pris", "deja prise",
               "en deplacement", "en voyage", "a l etranger", "absent", "absente", "absents",
               "sans moi", "sans nous", "certainement pas", "surement pas", "pas cette fois",
               "viens pas", "vient pas", "venons pas", "viendrai pas", "viendra pas",
               "viendrons pas", "peux pas", "peut pas", "pourrai pas", "pourra pas",
               "pourrons pas", "serai pas", "sera pas", "serons pas", "vais pas", "allons pas"),
    },
    Role.MAYBE: {
        "en": ("maybe", "perhaps", "possibly", "probably", "might", "may", "not sure",
               "i m not sure", "not certain", "tentative", "tentatively", "depends",
               "it depends", "will try", "i ll try", "we ll try", "try to", "hopefully",
               "let you know", "confirm later", "i think so", "not yet", "unsure",
               "50 50", "fifty fifty", "don t know", "dont know", "dunno", "no idea yet"),
        "es": ("quizas", "quiza", "tal vez", "talvez", "a lo mejor", "puede ser", "no se",
               "no estoy seguro", "no estoy segura", "probablemente", "posiblemente",
               "depende", "intentare", "lo intento", "voy a intentar", "te confirmo",
               "les confirmo", "luego confirmo", "creo que si", "ojala", "todavia no se",
               "aun no se"),
        "pt": ("talvez", "pode ser", "quem sabe", "nao sei", "nao tenho certeza",
               "provavelmente", "possivelmente", "depende", "vou tentar", "vamos tentar",
               "tento", "te confirmo", "confirmo depois", "depois confirmo", "acho que sim",
               "tomara", "ainda nao sei", "sei la"),
        "ar": ("ربما", "يمكن", "ممكن", "لست متاكد", "لست متاكده", "لست متاكدا", "مش متاكد",
               "مو متاكد",
               "ما ادري", "مدري", "ما اعرف", "لا اعرف", "لا ادري", "ساحاول", "بحاول",
               "احاول", "اخبرك لاحقا", "ابلغك لاحقا", "اكد لاحقا", "غالبا", "علي الاغلب",
               "اذا قدرت", "ان قدرت"),
        "fr": ("peut etre", "peutetre", "je ne sais pas", "je sais pas", "sais pas",
               "pas encore sur", "pas encore sure", "pas sur", "pas sure", "pas certain",
               "pas certaine", "je ne suis pas sur", "je ne suis pas sure", "probablement",
               "possible", "c est possible", "si possible", "si je peux", "si on peut",
               "si tout va bien", "ca depend", "depend", "j essaierai", "je vais essayer",
               "on va essayer", "nous allons essayer", "je vais voir", "on verra",
               "je te dirai", "je vous dirai", "je te redis", "je vous redis",
               "confirme plus tard", "confirmerai", "je confirmerai", "je vous confirmerai",
               "je te tiens au courant", "je vous tiens au courant", "j espere"),
    },
    Role.VERB: {
        "en": ("come", "coming", "attend", "attending", "be there", "make it", "join",
               "joining", "go", "going", "be present", "will be there", "ll be there",
               "be joining", "arrive"),
        "es": ("voy", "vamos", "ire", "iremos", "ir", "asistir", "asisto", "asistire",
               "asistiremos", "estare", "estaremos", "llego", "llegare", "acudire",
               "puedo ir", "podre ir", "vendre", "venimos", "voy a ir", "vamos a ir"),
        "pt": ("vou", "vamos", "irei", "iremos", "ir", "comparecer", "comparecerei",
               "compareceremos", "estarei", "estaremos", "chego", "vou sim", "vamos sim",
               "consigo", "consigo ir", "posso ir"),
        "ar": ("احضر", "ساحضر", "بحضر", "حاضر", "حاضرين", "سنحضر", "نحضر", "الحضور",
               "جاي", "جايين", "اجي", "باجي", "بجي", "راح اجي", "راح احضر", "موجود",
               "موجودين", "سنكون", "ساكون", "بكون"),
        "fr": ("venir", "viens", "vient", "venons", "viendrai", "viendra", "viendrons",
               "viendront", "y serai", "y sera", "y serons", "serai la", "sera la",
               "serons la", "etre la", "etre present", "etre presente", "participer",
               "participerai", "participerons", "participe", "assister", "assisterai",
               "assisterons", "y aller", "vais venir", "allons venir", "present", "presente",
               "presents", "presentes"),
    },
    Role.CONTRAST: {
        "en": ("but", "actually", "however", "i mean", "on second thought"),
        "es": ("pero", "aunque", "en realidad", "mejor dicho", "pensandolo bien"),
        "pt": ("mas", "porem", "contudo", "na verdade", "pensando bem"),
        "ar": ("لكن", "ولكن", "بس", "في الحقيقه", "بالحقيقه"),
        "fr": ("mais", "en fait", "finalement", "cependant", "pourtant", "toutefois",
               "par contre", "a la reflexion", "enfin"),
    },
    Role.NEUTRAL: {
        "en": ("no problem", "no worries", "no doubt", "no idea", "thanks", "thank you",
               "please", "ok", "okay", "great", "perfect", "sorry", "hello", "hi",
               "not a problem", "no matter"),
        "es": ("gracias", "muchas gracias", "vale", "perfecto", "genial", "no hay problema",
               "sin problema", "ningun problema", "hola", "por favor", "lo siento"),
        "pt": ("obrigado", "obrigada", "valeu", "beleza", "perfeito", "otimo",
               "sem problema", "sem problemas", "nao tem problema", "ola", "oi",
               "por favor", "desculpa", "desculpe"),
        "ar": ("شكرا", "مشكور", "تمام", "ان شاء الله", "انشاء الله", "انشالله", "ما شاء الله",
               "الله يعطيك العافيه", "ما في مشكله", "مافي مشكله", "لا مشكله", "لا يوجد مشكله",
               "مرحبا",
               "السلام عليكم", "الحمد لله", "يعطيك العافيه", "من فضلك", "لو سمحت"),
        "fr": ("merci", "merci beaucoup", "mille mercis", "merci bien", "bonjour", "bonsoir",
               "salut", "coucou", "pas de souci", "pas de soucis", "pas de probleme",
               "aucun probleme", "sans probleme", "super", "genial", "parfait", "top",
               "s il vous plait", "s il te plait", "svp", "stp", "desole", "desolee",
               "excusez moi", "pardon", "d accord", "c est note", "bien recu",
               "felicitations", "bravo"),
    },
}  # fmt: skip

# Words that turn the attendance verbs after them, in the same clause, into a "no".
NEGATIONS = frozenset(
    ("not", "never", "t", "no", "nao", "nunca", "jamais", "nem", "ni", "لن", "لا", "ما",
     "مش", "مو", "مب", "unable", "cannot", "cant", "dont", "wont", "ne", "n", "pas")
)  # fmt: skip


# Emoji that answer, and those that only soften (a thank-you, a smile).
EMOJI_ROLES = MappingProxyType(
    {
        "\U0001f44d": Role.YES,  # thumbs up
        "\u2705": Role.YES,  # check mark button
        "\U0001f44c": Role.YES,  # OK hand
        "\U0001f64c": Role.YES,  # raising hands
        "\U0001f973": Role.YES,  # partying face
        "\U0001f44e": Role.NO,  # thumbs down
        "\u274c": Role.NO,  # cross mark
        "\U0001f6ab": Role.NO,  # prohibited
        "\U0001f914": Role.MAYBE,  # thinking face
        "\U0001f937": Role.MAYBE,  # shrug
    }
)


# Longer messages are not read: they go to the inbox as text.
MAX_SENTENCE_CHARS = 400
# A hyphen inside a word ("peut-être", "week-end") joins; one beside a space breaks.
CLAUSE_BREAKS = re.compile("[.,;:!?\u00a1\u00bf\n\u2026\u060c\u061b\u061f()]+|-+(?!\\w)|(?<!\\w)-+")
QUESTION_MARKS = ("?", "\u061f")
EMOJI_WORDS = MappingProxyType({"\U0001f44d": "yes", "\u2705": "yes", "\U0001f44c": "yes",
                                "\U0001f64c": "yes", "\U0001f973": "yes", "\U0001f44e": "no",
                                "\u274c": "no", "\U0001f6ab": "no", "\U0001f914": "maybe",
                                "\U0001f937": "maybe"})  # fmt: skip
EMOJI = re.compile("|".join(EMOJI_WORDS))
REPEATED_LETTERS = re.compile(r"(.)\1+")
ANSWERS = (Role.YES, Role.NO, Role.MAYBE)


def squeeze(text: str) -> str:
    """Collapse repeated letters, so that "siii" and "yesss" read as "si" and "yes"."""
    return REPEATED_LETTERS.sub(r"\1", text)


def _index() -> dict[tuple[str, ...], tuple[Role, tuple[str, ...]]]:
    """Map each phrase, as squeezed words, to its role and languages."""
    index: dict[tuple[str, ...], tuple[Role, tuple[str, ...]]] = {}
    for role, languages in PHRASES.items():
        for language, phrases in languages.items():
            for phrase in phrases:
                key = tuple(squeeze(phrase).split())
                known, langs = index.get(key, (role, ()))
                if known is not role:
                    raise ValueError(f"{phrase!r} is listed as both {known} and {role}")
                index[key] = (role, (*langs, language))
    return index


INDEX = MappingProxyType(_index())
LONGEST_PHRASE = max(len(key) for key in INDEX)
FIRST_WORDS = frozenset(key[0] for key in INDEX) | NEGATIONS
SQUEEZED_NEGATIONS = frozenset(squeeze(word) for word in NEGATIONS)


@dataclass(frozen=True)
class Hit:
    """One answer found in a message."""

    role: Role
    explicit: bool  # an answer word, not an attendance verb
    languages: tuple[str, ...]


def _words(clause: str, normalize: Callable[[str, int], str]) -> list[str]:
    """The squeezed words of a clause, with a leading Arabic "and" (و) taken off."""
    words = []
    for raw in normalize(EMOJI.sub(lambda m: f" {EMOJI_WORDS[m[0]]} ", clause), 10**6).split():
        word = squeeze(raw)
        if word not in FIRST_WORDS and word.startswith("\u0648") and word[1:] in FIRST_WORDS:
            word = word[1:]
        words.append(word)
    return words


def _longest_phrase(words: list[str], start: int) -> int:
    """The length of the longest known phrase at `start`, or 0."""
    for size in range(min(LONGEST_PHRASE, len(words) - start), 0, -1):
        if tuple(words[start : start + size]) in INDEX:
            return size
    return 0


def _clause_hits(words: list[str]) -> Iterator[Hit | None]:
    """The answers in one clause, and None at each contrast word."""
    negated = False
    start = 0
    while start < len(words):
        size = _longest_phrase(words, start)
        if size == 0:
            word = words[start]
            negated = negated or word in SQUEEZED_NEGATIONS
            start += 1
            continue
        role, languages = INDEX[tuple(words[start : start + size])]
        start += size
        if role is Role.CONTRAST:
            negated = False
            yield None
        elif role is Role.VERB:
            yield Hit(Role.NO if negated else Role.YES, False, languages)
        elif role is not Role.NEUTRAL:
            negated = negated or role is Role.NO
            yield Hit(role, True, languages)


def _segments(text: str, normalize: Callable[[str, int], str]) -> list[list[Hit]]:
    """The answers of a message, grouped by the contrasts that split it."""
    segments: list[list[Hit]] = [[]]
    for clause in CLAUSE_BREAKS.split(text):
        for hit in _clause_hits(_words(clause, normalize)):
            if hit is None:
                segments.append([])
            else:
                segments[-1].append(hit)
    return [segment for segment in segments if segment]


def _decide(hits: list[Hit]) -> Role:
    """One segment's answer: both yes and no is unclear, a hedge or a no wins over a yes."""
    roles = {hit.role for hit in hits}
    if Role.YES in roles and Role.NO in roles:
        return Role.UNCLEAR
    return next(role for role in (Role.NO, Role.MAYBE, Role.YES) if role in roles)


def _conclude(decisions: list[Role]) -> Role:
    """The last segment decides, but never turns an earlier no (or doubt) into a yes."""
    final, earlier = decisions[-1], set(decisions[:-1])
    if final is Role.YES and earlier & {Role.NO, Role.UNCLEAR}:
        return Role.UNCLEAR
    if final is Role.YES and Role.MAYBE in earlier:
        return Role.MAYBE
    return final


@dataclass(frozen=True)
class Sentence:
    """What a free-text message answers, and the languages of its words."""

    role: Role
    languages: tuple[str, ...]  # most frequent first
    # The one language its words are most often in, or None when several tie.
    written_in: str | None


def read_sentence(text: str, normalize: Callable[[str, int], str]) -> Sentence | None:
    """The answer of a free-text message and the languages of its words, or None.

    `normalize` folds case, accents and punctuation (`replies.normalize`).
    """
    if len(text) > MAX_SENTENCE_CHARS:
        return None
    segments = _segments(text, normalize)
    if not segments:
        return None
    hits = [hit for segment in segments for hit in segment]
    languages, written_in = _languages(hits)
    asks = any(mark in text for mark in QUESTION_MARKS)
    if asks and not any(hit.explicit and hit.role is not Role.MAYBE for hit in hits):
        return Sentence(Role.UNCLEAR, languages, written_in)
    return Sentence(_conclude([_decide(s) for s in segments]), languages, written_in)


def _languages(hits: list[Hit]) -> tuple[tuple[str, ...], str | None]:
    """The languages of the words found, most frequent first, and the most frequent one
    when no other is as frequent."""
    counts: dict[str, int] = {}
    for hit in hits:
        for language in hit.languages:
            counts[language] = counts.get(language, 0) + 1
    ranked = tuple(sorted(counts, key=lambda language: -counts[language]))
    sole = len(ranked) == 1 or counts[ranked[0]] > counts[ranked[1]]
    return ranked, ranked[0] if sole else None
