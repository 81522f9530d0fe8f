"""Find the answer inside a free sentence, in en/es/pt/ar/fr: "Sí, claro, allí estaré".

Whole-message keywords live in `keywords.VOCABULARY`, the phrases in `phrases` and
`regional`; longer messages are read clause by clause: explicit answers, attendance verbs
(a "yes", or a "no" after a negation in the same clause), polite phrases that decide
nothing, and contrasts ("yes... actually no") or corrections ("sí voy... ah no, espera")
after which the rest decides; a doubled no opening a message denies a doubt when the rest
says yes ("no no, of course we're coming!"). A message that
says both, or only asks, or hangs on a condition ("si puedo voy", "depends on work"), is left
to the organiser; a maybe ("maybe", "quizás", "probably yes") and an answer left open ("I'll
try", "probably", "not sure yet, I'll let you know") are a maybe; a
change of mind never turns an earlier "no" into a "yes" (a bare "no" taken back at once,
"no... wait, yes we can", is a slip, and the yes decides).
A wish followed by a contrast declines ("I'd love to, but I'm working"); a message that asks
for no more messages (`optouts`) is an opt-out, unless it also says yes or maybe. Idioms are
read first (`idioms`: "não vou faltar" is a yes, "the kids won't come" is not the guest's no);
a message that asks is read by what it states (`reply_questions`: "I'm coming. Parking?").
Chat spellings are read as the phrases write them (`regional.SPELLINGS`: "wouldnt", "j'vais").
A reason alone declines (`reasons`: "ese día me opero", "we'll be abroad that week"); beside
an answer it decides nothing ("my shift ends at 9 but I'll come").
Exact keywords ("STOP", "sí") are whole-message words (`keywords`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import MappingProxyType

from app.services.idioms import elsewhere, rewrite, someone_else_refuses
from app.services.optouts import find_opt_out
from app.services.phrases import NEGATIONS, PHRASES, Role
from app.services.reasons import LINKS, REASONS
from app.services.regional import JESTS, REGIONAL, SPELLINGS
from app.services.reply_questions import statements, without_why

# Longer messages are not read: they go to the inbox as text.
MAX_SENTENCE_CHARS = 400
# A hyphen inside a word ("peut-être", "week-end") joins; one beside a space breaks.
CLAUSE_BREAKS = re.compile("[.,;:!?\u00a1\u00bf\n\u2026\u060c\u061b\u061f()]+|-+(?!\\w)|(?<!\\w)-+")
QUESTION_MARKS = ("?", "\u061f")
EMOJI_WORDS = MappingProxyType({"\U0001f44d": "yes", "\u2705": "yes", "\U0001f44c": "yes",
                                "\U0001f64c": "yes", "\U0001f973": "yes", "\U0001f44e": "no",
                                "\u274c": "no", "\U0001f6ab": "no", "\U0001f914": "dunno",
                                "\U0001f937": "dunno"})  # fmt: skip
EMOJI = re.compile("|".join(EMOJI_WORDS))
REPEATED_LETTERS = re.compile(r"(.)\1+")
# Chat spellings read as the phrases' ("wouldnt" as "wouldn t", "ther" as "there").
RESPELL = re.compile("(?<!\\S)(?:" + "|".join(SPELLINGS) + ")(?!\\S)")
# A doubled "no" opening a message denies a doubt when the rest says yes ("no no, of course
# we're coming!", "لا لا أكيد جايين"); after an answer it changes it (a `CORRECTION`).
REASSURANCE = re.compile(
    "^\\W*(no|non|n[aã]o|\u0644\u0627|la2?)(?:\\W+\\1)+\\b\\W+(?=\\w)", re.IGNORECASE
)
# A bare "no" or "I can't" taken back at once, before any reason: "no... wait, yes we can",
# "no puedo... no, espera, sí puedo", "não... pera, sim!", "Je peux pas... attends si", "مش هقدر...
# لا استنى": the rest decides when it says yes (a slip corrected, not a change of mind).
RETRACTED = re.compile(
    "^\\W*(?:(?:h+m+|u+m+|u+h+|e+h+|let me (?:check|see|think)|d[eé]jame ver|deja ver|"
    "deixa(?: eu)? ver|voyons|laisse(?:[- ]moi)? voir)\\W+)*"
    "(?:no|non|n[aã]o vou|no voy|i[\u2019']?m not coming|n[aã]o|\u0644\u0627|\u0644\u0623|la2?"
    "|i can[\u2019']?t|i cannot"
    "|can[\u2019']?t(?: come| make it)?|no (?:puedo|podemos|voy a poder|vamos a poder)"
    "|n[aã]o (?:posso|podemos|consigo"
    "|vou poder|vou conseguir)|(?:je|j[\u2019']?) ?(?:ne )?peux pas|on (?:ne )?peut pas|"
    "\u0645\u0627 [\u0628\u0627\u0646]?\u0642\u062f\u0631|\u0645\u0634 \u0647?\u0642\u062f\u0631)"
    "\\W+(?:(?:no|non|n[aã]o|\u0644\u0627|ah no)\\W+)?(?:wait|hold on|hang on|esper[aá]|par\u00e1|"
    "p[eé]ra|pera[ií]|pera a[ií]|attends?|attendez|\u0627\u0633\u062a\u0646\u0649|"
    "\u0627\u0633\u062a\u0646\u064a|\u0644\u062d\u0638\u0629|\u0644\u062d\u0638\u0647|"
    # a no taken back as a joke: "Não posso... brincadeira, vou sim", "je rigole"
    "brincadeira|brincadeirinha|zoeira|mentira|just kidding|kidding|jk|jking|es broma|"
    "era broma|broma|je rigole|je plaisante|c[\u2019']est une blague|"
    "\u0628\u0647\u0632\u0631|\u0628\u0645\u0632\u062d|\u0627\u0645\u0632\u062d)"
    "\\b\\W+(?=\\w)",
    re.IGNORECASE,
)
# What follows a taken-back opening: a wait word ("no no no, espera, ...") is passed, and a
# "si" (Spanish or French, after a no) is the yes it contradicts with ("espera, si puedo!",
# "non attends, si on peut venir"), never a condition.
AFTER_TAKEN_BACK = re.compile(
    "^(?:(?:wait|hold on|hang on|esper[aá]|p[eé]ra|attends?|attendez|"
    "\u0627\u0633\u062a\u0646\u0649|\u0627\u0633\u062a\u0646\u064a)\\W+)?"
    "(?:([sS][iíIÍ])(?= ))?",
    re.IGNORECASE,
)
# What a taken-back opening leaves of the whole: both, or the no it took back.
UNDONE = frozenset((Role.UNCLEAR, Role.NO))
# "Maybe yes, maybe no" across its comma, read as one maybe ("Talvez sim, talvez não"):
# the comma would leave "maybe no" a clause of its own, and a no.
EITHER_WAY = re.compile(
    "(?i)(?<!\\w)(maybe|perhaps|quiz[aá]s?|tal vez|talvez|puede que|igual|a lo mejor|de pronto|"
    "peut[- ][eê]tre(?:(?: ben)? que?)?|pode ser que|ربما|يمكن)[ '\u2019]+"
    "(yes|s[ií]|sim|oui|نعم|ايوه|آه)\\W+"
    "\\1[ '\u2019]+(no|n[aã]o|non|لا)(?!\\w)"
)
FRENCH_QUE = re.compile("(?<=tre)(?: ben)? que?$")
# An accented "sí" is a yes, never the "si" of a condition its folded form reads as ("sí
# puedo", "espera, sí puedo"): a clause break after it keeps it apart from its verb.
ACCENTED_YES = re.compile(
    "(?<!\\w)([sS][íÍ])(?= +(?i:puedo|podemos|podr[ée]|podremos|llego|llegamos|salgo|"
    "salimos|termino|acabo|consigo|conseguimos|me dan|me dejan)(?!\\w))"
)
# Words that hesitate: beside an explicit maybe they are a maybe, else never an answer.
HESITATIONS = frozenset((Role.MAYBE, Role.LEAN, Role.DOUBT))


# Words whose doubled letters are their own, not a chat stretch: French "comme" is no "come".
KEPT_DOUBLED = frozenset(("comme",))


def squeeze(text: str) -> str:
    """Collapse repeated letters, so that "siii" and "yesss" read as "si" and "yes"."""
    return REPEATED_LETTERS.sub(r"\1", text)


# The words of a doubt that hangs on a condition ("if I can", "si puedo", "depende", "حسب",
# "or not", "one of those") or says no answer at all (a receipt, a stranger, a partner to
# ask, a formula, "الله كريم"): it stays a doubt, while a doubt without them leaves the answer
# open ("I'll try", "not sure yet", "te aviso", "je te redis") and is a maybe.
CONDITIONS = MappingProxyType({
    language: frozenset(squeeze(word) for word in words)
    for language, words in {
        "en": ("if", "unless", "provided", "long", "depends", "depend", "depending", "either",
               "one", "or", "with", "ask", "received", "message", "invite", "who", "got",
               "before", "assuming"),
        "es": ("si", "segun", "dependiendo", "depende", "ser", "uno", "una", "o", "con",
               "pregunto", "consultar", "consultarlo", "hablarlo", "recibido", "recibi",
               "mensaje", "invitacion", "quien", "siempre", "antes"),
        "pt": ("se", "caso", "depende", "dependendo", "um", "uma", "ou", "com", "recebido",
               "recebi", "mensagem", "convite", "quem", "desde", "so", "antes"),
        "fr": ("si", "s", "selon", "fonction", "condition", "pourvu", "depend", "un", "une",
               "ou", "avec", "recu", "qui", "avant"),
        "ar": ("\u0627\u0630\u0627", "\u0627\u0646", "\u0644\u0648", "\u0627\u0644\u0627",
               "\u0627\u064a\u0644\u0627", "\u062d\u0633\u0628", "\u0645\u0639",
               "\u0627\u0634\u0627\u0648\u0631", "\u0648\u0627\u062d\u062f",
               "\u0648\u062d\u062f\u0647", "\u0627\u0648", "\u0648\u0644\u0627",
               "\u0627\u0633\u062a\u0644\u0645\u062a",
               "\u0627\u0644\u0631\u0633\u0627\u0644\u0647",
               "\u0627\u0644\u062f\u0639\u0648\u0647", "\u0645\u064a\u0646",
               "\u0643\u0631\u064a\u0645", "\u064a\u0633\u0647\u0644",
               "\u0645\u0645\u0643\u0646", "\u0642\u0628\u0644", "iza", "law", "lw", "ila", "eza",
               "ida", "mumkin", "momken"),
    }.items()
})  # fmt: skip


# A condition opening a message (or the part after a contrast), before any answer: "If Mum can
# babysit, yes", "si me dan permiso, voy", "se o meu chefe deixar", "s'il fait beau", "إذا سمح
# لي المدير، أكيد", "ila 3titini l'adresse nji": the answer after it hangs on it (a doubt).
# Spanish and French "si" (also a yes) and Portuguese "se" only before who or what it hangs on;
# polite "if you don't mind", "لو سمحت" are no condition.
CONDITION_OPENING = re.compile(
    "(?:if|as long as|provided|providing|assuming|only if|caso|desde que|solo si|"
    "\u0627\u0630\u0627|\u0644\u0648|ila|iza|eza|ida|law|lw|"
    "si (?:mi(?! (?:amor|vida|cielo|reina|rey|corazon|nina|nino|hija|hijo))|mis|me|nos|el|los|"
    "las|tengo|tenemos|hay|manana|mon|ma|mes|le|la|les|je|j|il|elle|ils)|s il|"
    "se (?:o|a|os|as|eu|meu|minha|tiver|tivermos|houver|der|nao chover))(?!\\S)"
    "(?! (?:you (?:don t|do not) mind|possible|that s ok|it s ok|sama7t\\w*|sam7t\\w*|sm7t\\w*|"
    "\u0633\u0645\u062d\u062a\\w*|"
    "\u0645\u0645\u0643\u0646|\u0645\u0627 \u0639\u0646\u062f\u0643))"
)
# The words of a receipt ("got the invite", "recibí el mensaje", "وصلتني الدعوة"): no answer
# alone, nothing beside one.
RECEIPTS = frozenset(squeeze(word) for word in (
    "received", "message", "invite", "recibido", "recibi", "mensaje", "invitacion", "recebido",
    "recebi", "mensagem", "convite", "recu", "\u0627\u0633\u062a\u0644\u0645\u062a",
    "\u0627\u0644\u0631\u0633\u0627\u0644\u0647",
    "\u0627\u0644\u062f\u0639\u0648\u0647"))  # fmt: skip


def has_question_mark(text: str) -> bool:
    """Whether a message has a question mark (Latin or Arabic)."""
    return any(mark in text for mark in QUESTION_MARKS)


def _index() -> dict[tuple[str, ...], tuple[Role, tuple[str, ...]]]:
    """Map each phrase, as squeezed words, to its role and languages."""
    index: dict[tuple[str, ...], tuple[Role, tuple[str, ...]]] = {}
    tables = (PHRASES, REGIONAL, REASONS)
    for role, languages in ((role, t[role]) for t in tables for role in t):
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
SQUEEZED_JESTS = frozenset(squeeze(phrase) for phrase in JESTS)
# The first words of the reasons, so that most attendance verbs are passed at a glance.
REASON_STARTS = frozenset(key[0] for key, (role, _) in INDEX.items() if role is Role.REASON)


@dataclass(frozen=True)
class Hit:
    """One answer found in a message."""

    role: Role
    explicit: bool  # an answer word, not an attendance verb
    languages: tuple[str, ...]
    phrase: str = ""  # an opt-out's words, kept as its keyword; a doubt's words
    corrects: bool = False  # a no said by a `CORRECTION` ("wait no"), not by an answer


def _words(normalized: str) -> list[str]:
    """The squeezed words of a normalised clause, with a leading Arabic "and" (و) taken off."""
    words = []
    for raw in normalized.split():
        word = raw if raw in KEPT_DOUBLED else squeeze(raw)
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
        if role is Role.CORRECTION and _longest_phrase(words, start - 1) > 1:
            start -= 1  # "ah no sé": its "no" starts a longer phrase, read that
            continue
        if role is Role.CONTRAST:
            negated = False
            yield None
        elif role is Role.CORRECTION:  # "sí voy... ah no, espera, trabajo": a new no
            negated = True
            yield None
            said = " ".join(words[start - size : start])
            yield Hit(Role.NO, True, languages, corrects=said not in SQUEEZED_JESTS)
        elif role in (Role.VERB, Role.REASON):
            hit = _unworded_hit(role, languages, negated, words, start)
            negated = negated and role is not Role.REASON  # "not on shift": the "not" is spent
            if hit is not None:
                yield hit
        elif role is not Role.NEUTRAL:
            negated = negated or role is Role.NO
            said = " ".join(words[start - size : start]) if role is Role.DOUBT else ""
            yield Hit(role, True, languages, said)


def _unworded_hit(
    role: Role, languages: tuple[str, ...], negated: bool, words: list[str], start: int
) -> Hit | None:
    """An attendance verb's yes (its no after a negation), or a reason, neither an answer
    word; None for a verb before a reason ("estaremos de viaje") and a negated reason ("I'm
    not travelling")."""
    if role is Role.REASON:
        return None if negated else Hit(role, False, languages)
    if _reason_follows(words, start):
        return None
    return Hit(Role.NO if negated else Role.YES, False, languages)


def _reason_follows(words: list[str], start: int) -> bool:
    """Whether a reason starts at `start`, after at most two linking words ("to be")."""
    for index in range(start, min(start + 3, len(words))):
        word = words[index]
        if word in REASON_STARTS and (size := _longest_phrase(words, index)):
            return INDEX[tuple(words[index : index + size])][0] is Role.REASON
        if word not in LINKS:
            return False
    return False


def _segments(text: str, normalize: Callable[[str, int], str]) -> list[list[Hit]]:
    """The answers of a message, grouped by the contrasts that split it."""
    segments: list[list[Hit]] = [[]]
    for clause in CLAUSE_BREAKS.split(text):
        written = elsewhere(EMOJI.sub(lambda m: f" {EMOJI_WORDS[m[0]]} ", clause))
        normalized = normalize(written, 10**6)
        if not segments[-1] and (opening := CONDITION_OPENING.match(normalized)):
            said = opening[0].split()
            held = tuple(lang for lang, words in CONDITIONS.items() if not words.isdisjoint(said))
            segments[-1].append(Hit(Role.DOUBT, True, held, opening[0]))
        opt_out = find_opt_out(normalized)
        if opt_out is not None:  # its words ("no me mandes") are not an answer
            phrase, language, normalized = opt_out
            segments[-1].append(Hit(Role.STOP, True, (language,), phrase))
        normalized = RESPELL.sub(lambda m: SPELLINGS[m[0]], normalized)
        for hit in _clause_hits(_words(rewrite(normalized))):
            if hit is None:
                segments.append(_wished(segments.pop()))
                segments.append([])
            else:
                segments[-1].append(hit)
    kept = ([hit for hit in segment if hit.role is not Role.WISH] for segment in segments)
    found = [segment for segment in kept if segment]
    first = found[0] if found else []
    if first and first[0].corrects and all(hit.role is not Role.DOUBT for hit in first):
        first[0] = Hit(Role.NO, True, first[0].languages)  # nothing to correct: "no no"
    return found


def _wished(segment: list[Hit]) -> list[Hit]:
    """A segment before a contrast: a wish and nothing else ("I'd love to, but...",
    "me encantaría, pero...") declines."""
    if segment and all(hit.role is Role.WISH for hit in segment):
        return [Hit(Role.NO, True, segment[0].languages)]
    return segment


def _decide(hits: list[Hit]) -> Role:
    """One segment's answer: both yes and no is unclear, and so is a no on a condition ("if
    I can", "si puedo", "depende"); a no wins, then a said maybe (on a condition too: "maybe,
    depends on work"); a condition is otherwise unclear; a doubt that leaves the answer open
    ("I'll try", "not sure yet, I'll let you know") and a lean ("probably") are a maybe, alone
    or beside a yes. A reason alone is left to `_conclude`; after a correction it is the no the
    correction meant ("oh wait no, I'm on shift")."""
    if any(not hit.explicit and hit.role is Role.YES for hit in hits):
        # a receipt beside a coming word says nothing ("recebi o convite, sim vou sim")
        hits = [hit for hit in hits if not _receipt(hit)]
    roles = {hit.role for hit in hits}
    if roles == {Role.REASON}:
        return Role.REASON
    corrected = _only_corrected(hits) and Role.REASON not in roles
    conditional = any(hit.role is Role.DOUBT and not _open(hit) for hit in hits)
    if roles == {Role.LEAN, Role.REASON}:  # "creo que trabajo ese día": no answer
        conditional = True
    roles.discard(Role.REASON)
    if Role.NO in roles and (Role.YES in roles or corrected or conditional):
        return Role.UNCLEAR  # both, or a no on a condition ("se for a Marta não vou")
    if Role.NO in roles or Role.MAYBE in roles:  # a said maybe, on a condition too
        return Role.NO if Role.NO in roles else Role.MAYBE
    if conditional:  # "si puedo voy", "I'll try, if I get off work"
        return Role.UNCLEAR
    # "I'll try", "not sure yet, I'll let you know", "probably", "probably yes"
    return Role.MAYBE if roles & {Role.DOUBT, Role.LEAN} else Role.YES


def _open(doubt: Hit) -> bool:
    """Whether a doubt's words leave the answer open (a try, not knowing yet, a plan to
    tell later) rather than hang it on a condition ("if I can", "si puedo", "depends on")
    or say no answer at all (a receipt, a stranger, a partner to ask)."""
    words = doubt.phrase.split()
    return all(CONDITIONS[language].isdisjoint(words) for language in doubt.languages)


def _receipt(hit: Hit) -> bool:
    """Whether a doubt only says the message came ("got your message", "recebi o convite")."""
    return hit.role is Role.DOUBT and not RECEIPTS.isdisjoint(hit.phrase.split())


def _only_corrected(hits: list[Hit]) -> bool:
    """Whether a correction is a segment's only no: it takes back what came before, but says
    no answer of its own ("wait no, I'm not sure"; "yes! no no, don't bring anything")."""
    return all(hit.corrects for hit in hits if hit.role is Role.NO)


def _conclude(decisions: list[Role], theirs: Callable[[], bool], asks: bool) -> Role:
    """The last segment decides, but never turns an earlier no (or doubt) into a yes, nor
    an earlier maybe ("probably, but yes" is a maybe); a reason alone declines ("ese día me
    opero"), unless the message asks ("I'm on a shift, what time does it end?"); after a yes
    or a maybe it is a doubt, unless it is someone else's (`theirs`: "I'll come but my
    husband can't, he's on nights")."""
    stated = [decision for decision in decisions if decision is not Role.REASON]
    if not stated:
        return Role.UNCLEAR if asks else Role.NO
    if decisions[-1] is Role.REASON and stated[-1] in (Role.YES, Role.MAYBE) and not theirs():
        return Role.UNCLEAR  # "yes, but I'm on shift that day"
    final, earlier = stated[-1], set(stated[:-1])
    if final is Role.YES and earlier & {Role.NO, Role.UNCLEAR}:
        return Role.UNCLEAR
    return Role.MAYBE if final is Role.YES and Role.MAYBE in earlier else final


@dataclass(frozen=True)
class Sentence:
    """What a free-text message answers, and the languages of its words."""

    role: Role
    languages: tuple[str, ...]  # most frequent first
    # The one language its words are most often in, or None when several tie.
    written_in: str | None
    keyword: str | None = None  # an opt-out's words


def read_sentence(text: str, normalize: Callable[[str, int], str]) -> Sentence | None:
    """The answer of a free-text message and the languages of its words, or None.

    `normalize` folds case, accents and punctuation (`replies.normalize`).
    """
    sentence = _read(text, normalize)
    taken_back = REASSURANCE.match(text) or RETRACTED.match(text)
    if taken_back is not None and sentence is not None and sentence.role in UNDONE:
        after = AFTER_TAKEN_BACK.sub(_contradicting, text[taken_back.end() :], count=1)
        rest = _read(after, normalize)  # "no no, of course we're coming!"
        if rest is not None and rest.role is Role.YES:
            return rest
    return sentence


def _contradicting(found: re.Match[str]) -> str:
    """A wait word after a taken-back opening dropped, its "si" said as the yes it is."""
    return "s\u00ed," if found[1] else ""


def _either_way(found: re.Match[str]) -> str:
    """The "maybe yes, maybe no" found, as one phrase without its comma."""
    maybe = FRENCH_QUE.sub("", found[1])  # "peut-être ben qu'oui, peut-être que non"
    return f"{maybe} {found[2]} {maybe} {found[3]}"


def _read(text: str, normalize: Callable[[str, int], str]) -> Sentence | None:
    """The answer of a free-text message, as `read_sentence`, read once."""
    if len(text) > MAX_SENTENCE_CHARS:
        return None
    text = ACCENTED_YES.sub(r"\1,", EITHER_WAY.sub(_either_way, text))
    segments = _segments(text, normalize)
    if not segments:
        return None
    hits = [hit for segment in segments for hit in segment]
    languages, written_in = _languages(hits)
    stop = next((hit for hit in hits if hit.role is Role.STOP), None)
    if stop is not None:  # a no beside it stands; a yes or a doubt leaves it to the organiser
        said = {hit.role for hit in hits} & {Role.YES, *HESITATIONS}
        return Sentence(Role.UNCLEAR if said else Role.STOP, languages, written_in, stop.phrase)
    asks = has_question_mark(text)
    if asks:  # what it states decides ("I'm coming. Parking?"), else an explicit answer
        stated = _segments(statements(text, normalize), normalize)
        if stated:
            segments = stated
        elif not _answers_explicitly(_segments(without_why(text, normalize), normalize)):
            return Sentence(Role.UNCLEAR, languages, written_in)
    decided = _conclude(
        [_decide(s) for s in segments],
        lambda: someone_else_refuses(normalize(text, 10**6)),
        asks,
    )
    return Sentence(decided, languages, written_in)


def _answers_explicitly(segments: list[list[Hit]]) -> bool:
    """Whether an answer word (not a hesitation, not a verb) is among the hits."""
    return any(hit.explicit and hit.role not in HESITATIONS for seg in segments for hit in seg)


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
