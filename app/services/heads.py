"""Read how many people a reply says are coming, themselves included (en/es/pt/ar/fr).

"seremos tres", "vamos em quatro", "سنحضر ٣", "nous serons 5", "we'll be 4" (4, and a yes);
"+1" (2), "me and my wife", "con mi pareja", "أنا وزوجتي" (2); "just me", "só eu" (1); a number
alone in its clause ("3", "sí, 3", "tres") or before people ("3 personas", "two of us").
Numbers that count something else are not heads: times ("at 8", "a las 8", "20h", "8:30"),
dates ("the 12th", "12/5", "le 12 mai"), tables and rooms ("mesa 5"), prices and amounts
("50€", "$20", "10 minutos"), and numbers of four digits or more (years, phones).

A message that asks something is never read for heads. Whether a count also answers yes is
`Party.implies_yes`: it does when it says who is coming ("we'll be 4", "me and my wife"),
not for a bare number or "+1", which only say how many to a guest who already confirmed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

# Arabic-Indic and Eastern Arabic-Indic digits, read as ASCII digits.
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# "+1", "+ 2": that many besides the guest (not a phone's "+34 612 ...").
PLUS = re.compile(r"(?<![\w+])\+\s?(\d{1,2})(?![\d\s]*\d{3})")
# Digits that are times, dates, ordinals, prices, percentages or long numbers.
NOT_HEADS = re.compile(
    r"\d+\s*[:./\-]\s*\d+"
    r"|\d+(?:st|nd|rd|th|er|e|eme|ème|º|ª|°)(?!\w)"
    r"|\d+\s*(?:%|am|pm|a\.m|p\.m|h|hs|hrs|hr)(?!\w)"
    r"|[$€£¥]\s*\d+|\d+\s*[$€£¥]"
    r"|\+\d[\d\s().\-]{5,}|\d{2,4}(?:[\s.\-]\d{2,4}){2,}"
    r"|\d{4,}",
    re.IGNORECASE,
)
CLAUSES = re.compile("[.,;:!\u00a1\n\u2026\u060c\u061b()]+")
QUESTION = re.compile("[?\u00bf\u061f]")
# Messages longer than this are not read for heads.
MAX_CHARS = 400

NUMBER_WORDS = MappingProxyType({
    **dict(zip(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
               range(1, 11), strict=True)),
    **dict(zip(("uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
                "diez"), range(1, 11), strict=True)),
    "una": 1, "uma": 1, "dois": 2, "duas": 2, "quatro": 4, "sete": 7, "oito": 8,
    "nove": 9, "dez": 10,
    **dict(zip(("un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix"),
               range(1, 11), strict=True)),
    "une": 1,
    "واحد": 1, "واحده": 1, "اثنين": 2, "اثنان": 2, "اتنين": 2, "ثنين": 2, "ثلاثه": 3,
    "ثلاث": 3, "تلاته": 3, "تلات": 3, "اربعه": 4, "اربع": 4, "خمسه": 5, "خمس": 5, "سته": 6,
    "ست": 6, "سبعه": 7, "سبع": 7, "ثمانيه": 8, "ثمان": 8, "تمانيه": 8, "تسعه": 9, "تسع": 9,
    "عشره": 10, "عشر": 10,
})  # fmt: skip

# Words before a number that say the number is not heads ("at 8", "mesa 5", "le 12").
BEFORE_OTHER = frozenset(
    ("at", "a", "las", "la", "as", "el", "le", "on", "the", "dia", "day", "table", "mesa",
     "room", "sala", "quarto", "habitacion", "chambre", "salle", "numero", "number", "no",
     "num", "nr", "n", "by", "before", "after", "until", "till", "from", "de", "hasta", "ate",
     "vers", "hacia", "desde", "depuis", "jusqu", "jusqu a", "الساعه", "ساعه", "طاوله",
     "الطاوله", "رقم", "يوم", "بعد", "قبل")
)  # fmt: skip
# Words after a number that say what else it counts ("8 pm", "10 minutos", "20 euros").
AFTER_OTHER = frozenset(
    ("pm", "am", "h", "hs", "hrs", "hours", "hour", "horas", "hora", "heures", "heure", "o",
     "oclock", "minutes", "minute", "min", "mins", "minutos", "minuto", "days", "day", "dias",
     "jours", "jour", "weeks", "week", "semanas", "semana", "semaines", "semaine", "months",
     "meses", "mes", "mois", "years", "year", "anos", "ano", "ans", "an", "euros", "euro",
     "eur", "dollars", "dollar", "usd", "bucks", "reais", "real", "pesos", "dirhams", "dh",
     "mad", "sar", "aed", "percent", "por", "pour", "km", "ساعه", "ساعات", "دقيقه", "دقائق",
     "ايام", "يوم", "درهم", "ريال", "دينار", "جنيه", "th", "st", "nd", "rd", "er", "eme",
     "january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december", "enero", "febrero", "marzo", "abril", "mayo", "junio",
     "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre", "janeiro",
     "fevereiro", "marco", "maio", "junho", "julho", "setembro", "outubro", "novembro",
     "dezembro", "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout",
     "septembre", "octobre", "novembre", "decembre", "يناير", "فبراير", "مارس", "ابريل",
     "مايو", "يونيو", "يوليو", "اغسطس", "سبتمبر", "اكتوبر", "نوفمبر", "ديسمبر")
)  # fmt: skip
# "12 de mayo": a number, "de", a month.
DATE_JOINERS = frozenset(("de", "of"))
# Words after a number that say it counts people ("3 personas", "two of us").
PEOPLE = frozenset(
    ("people", "persons", "person", "guests", "adults", "pax", "of us", "personas", "persona",
     "adultos", "invitados", "de nosotros", "pessoas", "pessoa", "convidados", "de nos",
     "personnes", "personne", "adultes", "invites", "d entre nous", "اشخاص", "شخص", "افراد",
     "ضيوف", "نفر")
)  # fmt: skip
# Companions counted in addition to the number before them ("with 2 kids": 3 in all).
MORE_PEOPLE = frozenset(
    ("kids", "children", "friends", "others", "hijos", "ninos", "amigos", "amigas",
     "acompanantes", "filhos", "criancas", "acompanhantes", "enfants", "amis", "amies",
     "اطفال", "اولاد", "اصدقاء")
)  # fmt: skip
# What comes before a number that gives the party's size, and also says they are coming.
LEADS = frozenset(
    tuple(phrase.split())
    for phrase in (
        "we ll be", "we will be", "we are", "we re", "there will be", "there ll be",
        "party of", "group of", "coming as", "we come as",
        "seremos", "somos", "vamos", "vamos a ser", "iremos", "estaremos", "vendremos",
        "asistiremos", "llegaremos",
        "vamos em", "vamos ser", "iremos em", "estaremos em", "seremos em", "vamos estar em",
        "nous serons", "on sera", "nous sommes", "on est", "on vient a", "on viendra a",
        "nous viendrons a", "nous venons a",
        "سنحضر", "سنكون", "نحن", "احنا", "حنكون", "بنكون", "راح نكون", "نكون", "عددنا",
        "سناتي", "جايين", "حنيجي", "بنجي",
    )
)  # fmt: skip
LONGEST_LEAD = max(len(lead) for lead in LEADS)
# Two people, said as such ("both of us", "nosotros dos", "nous deux", "شخصين").
PAIRS = frozenset(
    tuple(phrase.split())
    for phrase in ("both of us", "the two of us", "the 2 of us", "nosotros dos", "nosotras dos",
                   "los dos", "nos dois", "nos duas", "os dois", "nous deux", "tous les deux",
                   "toutes les deux", "شخصين", "نحن الاثنين", "احنا الاثنين", "انا وزوجتي")
)  # fmt: skip
LONGEST_PAIR = max(len(pair) for pair in PAIRS)
POSSESSIVES = frozenset(("my", "mi", "meu", "minha", "mon", "ma", "our"))
COMPANIONS = frozenset(
    ("wife", "husband", "partner", "girlfriend", "boyfriend", "fiance", "fiancee", "spouse",
     "son", "daughter", "friend", "mom", "mum", "mother", "dad", "father", "brother",
     "sister", "date", "plus one", "plus1", "kid", "child", "baby", "other half",
     "esposa", "esposo", "pareja", "marido", "mujer", "novio", "novia", "hijo", "hija",
     "amigo", "amiga", "acompanante", "madre", "padre", "mama", "papa", "hermano",
     "hermana", "prometido", "prometida",
     "mulher", "namorado", "namorada", "filho", "filha", "parceiro", "parceira", "mae",
     "pai", "irmao", "irma", "noivo", "noiva", "companheiro", "companheira", "acompanhante",
     "femme", "mari", "conjoint", "conjointe", "copain", "copine", "compagnon", "compagne",
     "fils", "fille", "ami", "amie", "partenaire", "mere", "pere", "frere", "soeur", "sœur",
     "fiance", "fiancee", "cavalier", "cavaliere")
)  # fmt: skip
# Arabic says "my wife" in one word: زوجتي (with "and", وزوجتي).
ARABIC_COMPANIONS = frozenset(
    ("زوجتي", "زوجي", "خطيبي", "خطيبتي", "ابني", "بنتي", "ابنتي", "اخوي", "اخي", "اختي",
     "صديقي", "صديقتي", "امي", "ابوي", "ابي", "رفيقي", "رفيقتي", "مرتي", "حرمي")
)  # fmt: skip
# Words that put the guest beside their companions: "me and my wife", "con mi pareja",
# "my wife and I", "أنا وزوجتي".
SELF = frozenset(("me", "i", "myself", "yo", "eu", "moi", "je", "انا"))
WITH = frozenset(("with", "con", "com", "avec", "مع", "ومعي", "معي", "plus", "mas", "mais"))
AND = frozenset(("and", "y", "e", "et", "&", "و"))
SOLO = frozenset(
    tuple(phrase.split())
    for phrase in (
        "just me", "only me", "me alone", "just myself", "by myself", "on my own", "alone",
        "solo yo", "yo solo", "yo sola", "solamente yo", "nada mas yo", "sin acompanante",
        "so eu", "apenas eu", "somente eu", "eu sozinho", "eu sozinha", "sozinho", "sozinha",
        "sem acompanhante",
        "juste moi", "moi seul", "moi seule", "seulement moi", "que moi", "viens seul",
        "viens seule", "serai seul", "serai seule", "sans accompagnant",
        "بس انا", "انا بس", "انا فقط", "فقط انا", "لوحدي", "وحدي", "بمفردي",
    )
)  # fmt: skip
LONGEST_SOLO = max(len(solo) for solo in SOLO)
# Words worth a closer look: a message with none of them (and no digit) states no party.
# Leads need a number after them, so the numbers stand for them.
CUES = (
    frozenset(NUMBER_WORDS) | PEOPLE | MORE_PEOPLE | COMPANIONS | ARABIC_COMPANIONS
    | {"\u0648" + word for word in ARABIC_COMPANIONS} | {"both", "شخصين", "الاثنين"}
    | {"just", "only", "alone", "myself", "own", "solo", "sola", "solamente", "acompanante",
       "so", "apenas", "somente", "sozinho", "sozinha", "acompanhante", "juste", "seul",
       "seule", "seulement", "accompagnant", "بس", "فقط", "لوحدي", "وحدي", "بمفردي"}
)  # fmt: skip
DIGIT = re.compile(r"\d")
# A quick fold (C-level steps only) for the cue check: case, accents, tashkeel, hamza marks.
MARKS = re.compile("[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670]")
WORDS = re.compile(r"\w+")
LETTER_VARIANTS = str.maketrans({"\u0649": "\u064a", "\u0629": "\u0647", "\u0640": None})


@dataclass(frozen=True, slots=True)
class Party:
    """How many are coming, the guest included, and whether saying so is also a yes."""

    size: int
    implies_yes: bool = False


@dataclass
class _Found:
    """What one message's words say about heads, gathered clause by clause."""

    count: int | None = None
    implies_yes: bool = False
    companions: int = 0
    beside_self: bool = False
    solo: bool = False


def read_party(text: str, normalize: Callable[[str, int], str]) -> Party | None:
    """The party a message states, or None (`normalize` is `replies.normalize`)."""
    if not text or len(text) > MAX_CHARS or QUESTION.search(text):
        return None
    text = text.translate(DIGITS)
    if "+" not in text and not _has_cue(text):
        return None
    plus = PLUS.findall(text)
    if plus:
        text = PLUS.sub(" ", text)
    text = NOT_HEADS.sub(" ", text)
    found = _Found()
    for clause in CLAUSES.split(text):
        words = normalize(clause, MAX_CHARS).split()
        if words and (any(w.isdigit() for w in words) or not CUES.isdisjoint(words)):
            _read_clause(words, found)
    return _conclude(found, plus)


def _has_cue(text: str) -> bool:
    """Whether the message has a digit or a word that may state a party (`CUES`)."""
    if DIGIT.search(text):
        return True
    folded = text.casefold()
    if not folded.isascii():
        folded = MARKS.sub("", unicodedata.normalize("NFKD", folded)).translate(LETTER_VARIANTS)
    return not CUES.isdisjoint(WORDS.findall(folded))


def _conclude(found: _Found, plus: list[str]) -> Party | None:
    """The party: a stated number first, then "+N", then companions (only those the guest
    brings: not "I will ask my wife"), then "just me"."""
    if found.count is not None:
        return Party(found.count, found.implies_yes)
    companions = found.companions if found.beside_self else 0
    if plus:
        return Party(1 + int(plus[-1]) + companions, found.beside_self)
    if companions:
        return Party(1 + companions, True)
    if found.solo:
        return Party(1, True)
    return None


def _read_clause(words: list[str], found: _Found) -> None:
    """Note the counts, companions and "just me" of one clause's words."""
    for index, word in enumerate(words):
        if _starts(words, index, PAIRS, LONGEST_PAIR):
            found.count, found.implies_yes = 2, True
        elif _starts(words, index, SOLO, LONGEST_SOLO):
            found.solo = True
        value = _number(word)
        if value is not None:
            _read_number(words, index, value, found)
        elif _is_companion(words, index):
            found.companions += 1
            found.beside_self = found.beside_self or _beside_self(words, index)


def _read_number(words: list[str], index: int, value: int, found: _Found) -> None:
    """Note a number: a count after a lead or before people, companions before "kids"."""
    after = words[index + 1] if index + 1 < len(words) else ""
    pair = " ".join(words[index + 1 : index + 3])
    if after in AFTER_OTHER:
        return
    if _after_lead(words, index):
        found.count, found.implies_yes = value, True
    elif after in MORE_PEOPLE:
        found.companions += value
        found.beside_self = found.beside_self or _beside_self(words, index + 1)
    elif after in PEOPLE or pair in PEOPLE:
        found.count, found.implies_yes = value, True
    elif (words[index].isdigit() or len(words) == 1) and not _counts_something_else(words, index):
        found.count = value


def _number(word: str) -> int | None:
    """The value of a number of up to three digits, or of a number word."""
    if word.isdigit():
        return int(word) if len(word) <= 3 else None
    return NUMBER_WORDS.get(word)


def _counts_something_else(words: list[str], index: int) -> bool:
    """Whether the number at `index` is a time, a date, a table, an amount."""
    before = words[index - 1] if index else ""
    after = words[index + 1] if index + 1 < len(words) else ""
    if before in BEFORE_OTHER or after in AFTER_OTHER:
        return True
    return after in DATE_JOINERS and index + 2 < len(words) and words[index + 2] in AFTER_OTHER


def _after_lead(words: list[str], index: int) -> bool:
    """Whether a lead ("seremos", "we'll be") ends just before `index`."""
    return any(
        tuple(words[index - size : index]) in LEADS
        for size in range(1, min(LONGEST_LEAD, index) + 1)
    )


def _starts(
    words: list[str], index: int, phrases: frozenset[tuple[str, ...]], longest: int
) -> bool:
    """Whether one of `phrases` starts at `index`."""
    return any(
        tuple(words[index : index + size]) in phrases
        for size in range(1, min(longest, len(words) - index) + 1)
    )


def _is_companion(words: list[str], index: int) -> bool:
    """Whether the word at `index` is a companion: "my wife", "mi pareja", "وزوجتي"."""
    word = words[index]
    if word in ARABIC_COMPANIONS or (word[:1] == "\u0648" and word[1:] in ARABIC_COMPANIONS):
        return True
    return word in COMPANIONS and index > 0 and words[index - 1] in POSSESSIVES


def _beside_self(words: list[str], index: int) -> bool:
    """Whether the guest brings the companion at `index`: "me and my wife", "with my wife",
    "my wife and I", "أنا وزوجتي", "مع زوجتي" (not "I will ask my wife")."""
    word = words[index]
    arabic = word in ARABIC_COMPANIONS or word[1:] in ARABIC_COMPANIONS
    start = index if arabic else index - 1  # the possessive, or the Arabic word itself
    before = words[start - 1] if start > 0 else ""
    if before in WITH or (arabic and word[0] == "\u0648" and before in SELF):
        return True
    if before in AND and start > 1 and words[start - 2] in SELF:
        return True
    return index + 2 < len(words) and words[index + 1] in AND and words[index + 2] in SELF
