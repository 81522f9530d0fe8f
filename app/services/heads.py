"""Read how many people a reply says are coming, themselves included (en/es/pt/ar/fr).

"seremos tres", "vamos em quatro", "vamos los tres", "سنحضر ٣", "نحن الثلاثة", "nous serons
5", "we'll be 4" (4, and a yes); "we both", "coming with wife" (2);
"+1" (2), "me and my wife", "con mi pareja", "أنا وزوجتي", "bringing my sister" (2),
"ومعي اثنين" (3); "just me", "só eu" (1); a number alone in its clause ("3", "sí, 3",
"tres") or before people ("3 personas", "two of us"). Someone kept away ("my wife is
travelling") is not counted. Numbers that count something else are not heads: times ("at
8", "a las 8", "20h", "8:30"), dates ("the 12th", "12/5", "le 12 mai", "à samedi 14"),
tables and rooms ("mesa 5"), prices and amounts ("50€", "$20", "10 minutos"), and numbers
of four digits or more (years, phones).

A message that asks something is never read for heads. Whether a count also answers yes is
`Party.implies_yes`: it does when it says who is coming ("we'll be 4", "me and my wife"),
not for a bare number or "+1", which only say how many to a guest who already confirmed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from app.services.head_words import (
    ADULTS,
    AFTER_OTHER,
    AND,
    ARABIC_COMPANIONS,
    ARABIC_PLURAL_COMPANIONS,
    ARTICLES,
    BEFORE_OTHER,
    BRINGS,
    COMPANIONS,
    CUES,
    DATE_JOINERS,
    KID,
    LEADS,
    LONGEST_LEAD,
    LONGEST_PAIR,
    LONGEST_SOLO,
    MORE_PEOPLE,
    NAMED,
    NOT_BRINGING,
    NOT_NAMES,
    NUMBER_WORDS,
    PAIRS,
    PEOPLE,
    POSSESSIVES,
    SELF,
    SMALL,
    SOLO,
    WITH,
)
from app.services.idioms import others_kept_away, rewrite
from app.services.reply_questions import statements

# "The" before a number of people: "vamos los tres" ("las" and "as" are times: "a las 3").
ALL_OF = frozenset(("los", "os", "les"))
# Arabic-Indic and Eastern Arabic-Indic digits, read as ASCII digits.
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# "+1", "+ 2": that many besides the guest (not a phone's "+34 612 ...").
PLUS = re.compile(r"(?<![\w+])\+\s?(\d{1,2})(?![\d\s]*\d{3})")
# "me plus one", "yo más uno", "eu mais um", "moi plus un": the guest's "+1" in words.
PLUS_WORDS = re.compile(
    "(?i)(?<!\\w)(me|myself|moi|yo|eu|ana|\u0627\u0646\u0627) (?:plus|mas|m\u00e1s|mais) "
    "(one|un|uno|una|um|uma|two|deux|dos|dois)(?!\\w)"
)
PLUS_WORD_VALUES = {"one": 1, "un": 1, "uno": 1, "una": 1, "um": 1, "uma": 1, "two": 2,
                    "deux": 2, "dos": 2, "dois": 2}  # fmt: skip
# The companion a "+N" names right after it ("+1 con mi esposa", "+1 (my wife)"): the N, not
# one more.
PLUS_NAMED = re.compile(
    r"(?<![\w+])\+\s?\d{1,2}\s*[(:,\-]?\s*(?:with|con|com|avec|\u0645\u0639)?"
    r"\s*(\w+)(?:\s+(\w+))?(?:\s+(\w+))?"
)
# A "+" with no number after it joins people ("me + wife").
LONE_PLUS = re.compile(r"\+(?!\s?\d)")
# A "+" between adults and a number of kids ("2 adultos + 2 crianças") joins them.
KIDS_PLUS = re.compile(
    r"\+(?=\s?\d{1,2}\s+(?i:kids?|child(?:ren)?|babies|baby|ni[ñn][oa]s?|crian[çc]as?|"
    "enfants?|b[ée]b[ée]s?|hijos|filhos|miudos|petits|\u0623?\u0627?\u0637\u0641\u0627\u0644|"
    "\u0637\u0641\u0644|\u0639\u064a\u0627\u0644)(?!\\w))"
)
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
# The guest before "+N": "me +1", "eu + 1", "moi +2", "أنا +1" says who is coming.
SELF_PLUS = re.compile(
    "(?<!\\w)(?:me|myself|yo|eu|moi|ana|\u0627\u0646\u0627|\u0623\u0646\u0627) ?\\+ ?\\d",
    re.IGNORECASE,
)
# Someone else answering through the guest, the message's whole answer: "My mum says she'll
# come", "Mi mamá dice que sí va", "Minha mãe disse que vai sim", "Ma mère dit qu'elle vient",
# "امي بتقول رح تيجي": one person, the one named (read on the normalised text).
RELATIVE = (
    "(?:my |mi |ma |mon |minha |meu |a minha |o meu )?(?:mum|mom|mother|dad|father|grandma|"
    "granny|nan|grandad|grandpa|auntie|aunt|uncle|mama|mami|papa|papi|madre|padre|abuela|"
    "abuelo|tia|tio|mere|pere|grand mere|grand pere|tante|oncle|mae|pai|avo|"
    "\u0627\u0645\u064a|\u0627\u0628\u0648\u064a|\u0627\u0628\u0648\u064a\u0627|"
    "\u0645\u0627\u0645\u0627|\u0628\u0627\u0628\u0627|\u062c\u062f\u062a\u064a|"
    "\u0633\u062a\u064a)"
)
SAYS_SHE_COMES = re.compile(
    "^(?!.*(?<!\\S)(?:and|too|also|y|tambien|e|tambem|et|aussi|(?:with|con|com|avec) (?:my|mi|"
    "mis|meu|minha|meus|o|a|os|as|mon|ma|mes|the|el|la|los|las|le|les))(?!\\S))"
    f"{RELATIVE} (?:says|said|told me|dice|dijo|diz|disse|falou|dit|a dit|"
    "\u0628\u062a\u0642\u0648\u0644|\u0628\u064a\u0642\u0648\u0644|"
    "\u062a\u0642\u0648\u0644|\u064a\u0642\u0648\u0644|\u0642\u0627\u0644\u062a|"
    "\u0642\u0627\u0644)(?: that| que| qu| q)?(?: si| sim)? (?:she|he|elle|il|ela|ele|va|vai|"
    "viene|vem|vient|ira|vendra|\u0631\u062d|\u062d|\u0647\u062a\u064a\u062c\u064a|"
    "\u062a\u064a\u062c\u064a|\u062c\u0627\u064a\u0647)(?!\\S)"
)
CLAUSES = re.compile("[.,;:!\u00a1\n\u2026\u060c\u061b()]+")
# Messages longer than this are not read for heads.
MAX_CHARS = 400

DIGIT = re.compile(r"\d")
# Arabic "and" written onto a number ("و٤ أطفال"): a word of its own.
# What may follow a number of people brought ("bringing two", "bringing one more"; not
# "llevo un regalo").
MORE = frozenset(("", "more", "extra", "mas", "mais", "plus", "كمان", "زياده"))
AND_DIGIT = re.compile("(?<!\\S)\u0648(?=\\d)")
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
    by_lead: bool = False  # the count follows a lead ("seremos 4"): the whole party
    adults: int = 0  # "2 adults and 2 kids": the adults, whom the kids are added to
    counted_kids: int = 0
    companions: int = 0
    beside_self: bool = False
    solo: bool = False
    # "I'll come but my husband can't": the guest alone, said beside an answer
    others_away: bool = False


def read_party(text: str, normalize: Callable[[str, int], str]) -> Party | None:
    """The party a message states, or None (`normalize` is `replies.normalize`)."""
    if not text or len(text) > MAX_CHARS:
        return None
    text = statements(text, normalize).translate(DIGITS)  # a question states no party
    text = AND_DIGIT.sub("\u0648 ", text)
    text = PLUS_WORDS.sub(lambda found: f"{found[1]} +{PLUS_WORD_VALUES[found[2].lower()]}", text)
    if "+" not in text and not DIGIT.search(text) and SAYS_SHE_COMES.match(normalize(text, 400)):
        return Party(1, False)  # "my mum says she'll come": their yes, one of them
    if "+" not in text and not _has_cue(text) and not NAMED.search(text):
        return None
    text = KIDS_PLUS.sub(" and ", text)
    plus = PLUS.findall(text)
    plus_named = any(
        not COMPANIONS.isdisjoint(word.casefold() for word in found.groups() if word)
        for found in PLUS_NAMED.finditer(text)
    )
    text = LONE_PLUS.sub(" and ", text)  # "me + wife + 2 kids": the "+" between people
    self_plus = SELF_PLUS.search(text) is not None
    if plus:
        text = PLUS.sub(" ", text)
    text = NOT_HEADS.sub(" ", text)
    found = _Found(companions=_named_companions(text))
    found.beside_self = found.companions > 0 or self_plus
    last = ""
    # someone else kept away, the guest's own clause after a contrast ("mi hijo no puede,
    # pero yo voy"): read on the whole message, whose commas the clauses split at
    found.others_away = others_kept_away(normalize(text, MAX_CHARS))
    for clause in CLAUSES.split(text):
        # "eu, minha esposa e ...": a list goes on past the comma after the guest
        # someone else kept away is not coming ("my wife is travelling", "المدام مسافرة")
        normalized = normalize(clause, MAX_CHARS)
        found.others_away = found.others_away or others_kept_away(normalized, bool(last))
        words = rewrite(normalized).split()
        if last in SELF and not found.solo:
            words.insert(0, last)
        if words and (any(w.isdigit() for w in words) or not CUES.isdisjoint(words)):
            _read_clause(words, found)
        last = words[-1] if words else ""
    if plus_named:  # "+1 con mi esposa": the companion is the "+1"
        found.companions = max(0, found.companions - int(plus[-1]))
    return _conclude(found, plus)


def _named_companions(text: str) -> int:
    """The people the guest names beside themselves: "eu e o Lucas", "Sarah and I"."""
    names = (next(name for name in found.groups() if name) for found in NAMED.finditer(text))
    return sum(name.casefold() not in NOT_NAMES for name in names)


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
    if found.adults and not found.by_lead:
        return Party(found.adults + found.counted_kids, True)
    if found.count is not None:
        return Party(found.count, found.implies_yes)
    companions = found.companions if found.beside_self else 0
    if plus:
        return Party(1 + int(plus[-1]) + companions, found.beside_self)
    if companions:
        return Party(1 + companions, True)
    if found.solo or found.others_away:  # "just me" is a yes; "but my wife can't" is not
        return Party(1, found.solo)
    return None


# Good wishes, which a pair after "a"/"to" receives: "felicidades a los dos".
WISHES = frozenset(("felicidades", "felicitaciones", "enhorabuena", "gracias", "congrats",
                    "congratulations", "cheers", "thanks", "parabens", "obrigado", "obrigada",
                    "felicitations", "bravo", "merci", "sante"))  # fmt: skip


def _read_clause(words: list[str], found: _Found) -> None:
    """Note the counts, companions and "just me" of one clause's words."""
    for index, word in enumerate(words):
        if _starts(words, index, PAIRS, LONGEST_PAIR) and not _addressed(words, index, found):
            found.count, found.implies_yes = 2, True  # not "on sera 5 : nous deux + 3 enfants"
        elif _starts(words, index, SOLO, LONGEST_SOLO):
            found.solo = True
        value = _number(word)
        if value is not None:
            _read_number(words, index, value, found)
        elif found.adults and _one_kid(words, index):
            found.counted_kids += 1
        elif _is_companion(words, index):
            found.companions += 1
            found.beside_self = found.beside_self or _beside_self(words, index)


def _one_kid(words: list[str], index: int) -> bool:
    """Whether the word at `index` is one child, not counted by a number before it."""
    word = words[index]
    kid = word in KID or (word[:1] == "\u0648" and word[1:] in KID)
    return kid and not (index and _number(words[index - 1]) is not None)


def _addressed(words: list[str], index: int, found: _Found) -> bool:
    """Whether a pair is not the party: after a lead ("on sera 5 : nous deux + 3 enfants") or
    wished well ("felicidades a los dos", "congrats to you both"), unlike "contanos a los dos"."""
    return found.by_lead or (index > 1 and words[index - 1] in ("a", "to", "aos", "aux")
                             and words[index - 2] in WISHES)  # fmt: skip


def _read_number(words: list[str], index: int, value: int, found: _Found) -> None:
    """Note a number: a count after a lead or before people, companions before "kids"."""
    after = words[index + 1] if index + 1 < len(words) else ""
    pair = " ".join(words[index + 1 : index + 3])
    if after in AFTER_OTHER:
        return
    before = words[index - 1] if index else ""
    plural = before[1:] if before[:1] == "\u0648" else before
    if plural in ARABIC_PLURAL_COMPANIONS:  # "أنا واخواني الثلاثة": three besides the guest
        found.companions += value
        found.beside_self = found.beside_self or (
            index > 1
            and (words[index - 2] in WITH or (plural != before and words[index - 2] in SELF))
        )
        return
    if after in ADULTS:
        found.adults, found.implies_yes = value, True
    elif _after_lead(words, index):
        found.count, found.implies_yes, found.by_lead = value, True, True
    elif after in MORE_PEOPLE:
        found.companions += value
        found.counted_kids += value
        found.beside_self = (  # "with 2 kids", "eu e meus dois filhos"
            found.beside_self or _beside_self(words, index + 1) or _beside_self(words, index)
        )
    elif after in PEOPLE or pair in PEOPLE:
        if not found.by_lead:
            found.count, found.implies_yes = value, True
    elif index and _brings(words, index - 1) and after in MORE:  # "ومعايا واحد"
        found.companions += value
        found.beside_self = True
    elif _bare(words, index) and not found.by_lead:  # "on sera 4, à samedi 14": 4
        found.count = value


def _bare(words: list[str], index: int) -> bool:
    """Whether the number at `index` stands alone as a count ("3", "sí, 3", "tres")."""
    alone = words[index].isdigit() or len(words) == 1
    return alone and not _counts_something_else(words, index)


def _number(word: str) -> int | None:
    """The value of a number of up to three digits, or of a number word ("the three" in
    Arabic, "الثلاثة", included)."""
    if word.isdigit():
        return int(word) if len(word) <= 3 else None
    if word.startswith("\u0627\u0644") and NUMBER_WORDS.get(word[2:], 1) > 1:
        return NUMBER_WORDS[word[2:]]
    return NUMBER_WORDS.get(word)


def _counts_something_else(words: list[str], index: int) -> bool:
    """Whether the number at `index` is a time, a date, a table, an amount."""
    before = words[index - 1] if index else ""
    after = words[index + 1] if index + 1 < len(words) else ""
    if before in BEFORE_OTHER or after in AFTER_OTHER:
        return True
    return after in DATE_JOINERS and index + 2 < len(words) and words[index + 2] in AFTER_OTHER


def _after_lead(words: list[str], index: int) -> bool:
    """Whether a lead ("seremos", "we'll be") ends just before `index`, or before "the"
    and the number ("vamos los tres", "vamos os três")."""
    if index > 1 and words[index - 1] in ALL_OF:
        index -= 1
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
    if word not in COMPANIONS or index == 0:
        return False
    if word in SMALL and index + 1 < len(words) and words[index + 1] not in AND:
        return False  # "un petit cadeau"
    before = words[index - 1]  # "my wife", a bare "wife" after "myself and" or "with"
    return (
        before in POSSESSIVES
        or before in WITH
        or (before in AND and index > 1 and words[index - 2] in SELF)
    )


def _brings(words: list[str], index: int) -> bool:
    """Whether the word at `index` brings people, said as a statement ("bringing", "ومعايا";
    not "can I bring", "not bringing")."""
    return words[index] in BRINGS and (index == 0 or words[index - 1] not in NOT_BRINGING)


def _beside_self(words: list[str], index: int) -> bool:
    """Whether the guest brings the companion at `index`: "me and my wife", "with my wife",
    "my wife and I", "أنا وزوجتي", "مع زوجتي" (not "I will ask my wife")."""
    word = words[index]
    arabic = word in ARABIC_COMPANIONS or word[1:] in ARABIC_COMPANIONS
    start = index if arabic or words[index - 1] not in POSSESSIVES else index - 1
    if start > 1 and words[start - 1] in ARTICLES:  # "com a minha namorada"
        start -= 1
    before = words[start - 1] if start > 0 else ""
    if before in WITH or (arabic and word[0] == "\u0648" and before in SELF):
        return True
    if start > 0 and _brings(words, start - 1):  # "bringing my boyfriend"
        return True
    if before in SELF and not arabic:  # a list: "eu, minha esposa e ..."
        return True
    if before in AND and start > 1 and words[start - 2] in SELF:
        return True
    return index + 2 < len(words) and words[index + 1] in AND and words[index + 2] in SELF
