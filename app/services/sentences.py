"""Find the answer inside a free sentence, in en/es/pt/ar/fr: "Sí, claro, allí estaré".

Whole-message keywords live in `keywords.VOCABULARY`, the phrases in `phrases` and
`regional`; longer messages are read clause by clause: explicit answers, attendance verbs
(a "yes", or a "no" after a negation in the same clause), polite phrases that decide
nothing, and contrasts ("yes... actually no") or corrections ("sí voy... ah no, espera")
after which the rest decides; a doubled no opening a message denies a doubt when the rest
says yes ("no no, of course we're coming!"). A message that
says both, or only asks, or only doubts ("I'll try", "si puedo voy", "probably"), is left
to the organiser; an explicit maybe ("maybe", "quizás", "probably yes") is a maybe; a
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
from app.services.regional import REGIONAL, SPELLINGS
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
    "^\\W*(?:no|non|n[aã]o|\u0644\u0627|\u0644\u0623|la2?|i can[\u2019']?t|i cannot"
    "|can[\u2019']?t(?: come| make it)?|no (?:puedo|podemos|voy a poder|vamos a poder)"
    "|n[aã]o (?:posso|podemos|consigo"
    "|vou poder|vou conseguir)|(?:je|j[\u2019']?) ?(?:ne )?peux pas|on (?:ne )?peut pas|"
    "\u0645\u0627 [\u0628\u0627\u0646]?\u0642\u062f\u0631|\u0645\u0634 \u0647?\u0642\u062f\u0631)"
    "\\W+(?:(?:no|non|n[aã]o|\u0644\u0627|ah no)\\W+)?(?:wait|hold on|hang on|esper[aá]|par\u00e1|"
    "p[eé]ra|pera[ií]|pera a[ií]|attends?|attendez|\u0627\u0633\u062a\u0646\u0649|"
    "\u0627\u0633\u062a\u0646\u064a|\u0644\u062d\u0638\u0629|\u0644\u062d\u0638\u0647)"
    "\\b\\W+(?=\\w)",
    re.IGNORECASE,
)
# What a taken-back opening leaves of the whole: both, or the no it took back.
UNDONE = frozenset((Role.UNCLEAR, Role.NO))
# "Maybe yes, maybe no" across its comma, read as one maybe ("Talvez sim, talvez não"):
# the comma would leave "maybe no" a clause of its own, and a no.
EITHER_WAY = re.compile(
    "(?i)(?<!\\w)(maybe|perhaps|quiz[aá]s?|tal vez|talvez|puede que|igual|a lo mejor|de pronto|"
    "peut[- ][eê]tre|ربما|يمكن) +(yes|s[ií]|sim|oui|نعم|ايوه|آه)\\W+\\1 +(no|n[aã]o|non|لا)(?!\\w)"
)
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


# The words of a doubt that says the guest is unsure: after a maybe it keeps the maybe.
CERTAINTY = frozenset(squeeze(word) for word in (
    "sure", "certain", "guarantee", "guarantees", "promise", "seguro", "segura", "asegurar",
    "aseguro", "garantizo", "prometo", "certo", "certeza", "garanto", "sur",
    "certaine", "promets", "\u0645\u062a\u0627\u0643\u062f", "\u0627\u0643\u064a\u062f",
    "akid", "100", "hold"))  # fmt: skip


# The words of a plan to tell later or of not knowing yet ("I'll confirm next week", "te
# aviso", "no sabemos"): beside a lean they keep it a maybe ("provavelmente vou, depois
# confirmo"); after a contrast they are a doubt ("acho que sim, mas confirmo depois").
LATER = frozenset(squeeze(word) for word in (
    "confirm", "confirmo", "confirme", "confirmar", "confirmerai", "know", "aviso", "avisar",
    "digo", "dirai", "redis", "falo", "courant", "later", "luego", "depois", "despues",
    "closer", "nearer", "sabemos", "sei", "sais", "sait", "savons", "3aref",
    "\u0644\u0627\u062d\u0642\u0627", "\u0628\u062e\u0628\u0631\u0643",
    "\u0628\u0639\u062f\u064a\u0646", "\u0627\u062e\u0628\u0631\u0643"))  # fmt: skip


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
            yield Hit(Role.NO, True, languages, corrects=True)
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
    """One segment's answer: both yes and no is unclear; a no wins, then an explicit maybe;
    a doubt ("I'll try", "if I can") is unclear beside a yes, a doubt alone; a lean ("probably")
    is a maybe beside a yes, else unclear. A reason alone is left to `_conclude`; after a
    correction it is the no the correction meant ("oh wait no, I'm on shift")."""
    roles = {hit.role for hit in hits}
    if roles == {Role.REASON}:
        return Role.REASON
    corrected = _only_corrected(hits) and Role.REASON not in roles
    roles.discard(Role.REASON)
    if Role.NO in roles and (Role.YES in roles or corrected):
        return Role.UNCLEAR
    if Role.NO in roles or Role.MAYBE in roles:
        return Role.NO if Role.NO in roles else Role.MAYBE
    if roles == {Role.DOUBT} and all(_unsure(hit.phrase) for hit in hits):
        return Role.DOUBT  # "not sure yet": a doubt alone, a maybe after one ("probably, ...")
    # "probably, I'll confirm next week", "provavelmente vou, depois confirmo": a maybe
    leaning = {Role.LEAN, Role.DOUBT} <= roles <= {Role.LEAN, Role.DOUBT, Role.YES} and all(
        _unsure(hit.phrase) or not LATER.isdisjoint(hit.phrase.split())
        for hit in hits
        if hit.role is Role.DOUBT
    )
    if Role.DOUBT in roles and not leaning:
        return Role.UNCLEAR
    # a lean alone is left to `_conclude`: a maybe before a doubt that is unsure ("probs, but
    # don't hold me to it"), else unclear
    return (Role.LEAN if roles == {Role.LEAN} else Role.MAYBE) if Role.LEAN in roles else Role.YES


def _unsure(phrase: str) -> bool:
    """Whether a doubt's words say the guest is unsure ("not sure", "no garantizo"), not a
    plan to tell later or a condition."""
    return not CERTAINTY.isdisjoint(phrase.split())


def _only_corrected(hits: list[Hit]) -> bool:
    """Whether a correction is a segment's only no: it takes back what came before, but says
    no answer of its own ("wait no, I'm not sure"; "yes! no no, don't bring anything")."""
    return all(hit.corrects for hit in hits if hit.role is Role.NO)


def _conclude(decisions: list[Role], theirs: Callable[[], bool], asks: bool) -> Role:
    """The last segment decides, but never turns an earlier no (or doubt) into a yes; a
    reason alone declines ("ese día me opero"), unless the message asks ("I'm on a shift,
    what time does it end?"); after a yes or a maybe it is a doubt, unless it is someone
    else's (`theirs`: "I'll come but my husband can't, he's on nights"). A doubt alone last
    keeps a maybe before it ("probably yes, but not sure yet") and is otherwise unclear."""
    stated = [decision for decision in decisions if decision is not Role.REASON]
    if not stated:
        return Role.UNCLEAR if asks else Role.NO
    if decisions[-1] is Role.REASON and stated[-1] in (Role.YES, Role.MAYBE) and not theirs():
        return Role.UNCLEAR  # "yes, but I'm on shift that day"
    final, earlier = stated[-1], set(stated[:-1])
    if final is Role.DOUBT:  # "probably yes, but not sure yet": the doubt restates a maybe
        return Role.MAYBE if earlier and earlier <= {Role.MAYBE, Role.LEAN} else Role.UNCLEAR
    if final is Role.YES and earlier & {Role.NO, Role.UNCLEAR, Role.DOUBT, Role.LEAN}:
        return Role.UNCLEAR
    if final is Role.YES and Role.MAYBE in earlier:
        return Role.MAYBE
    return Role.UNCLEAR if final is Role.LEAN else final


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
        rest = _read(text[taken_back.end() :], normalize)  # "no no, of course we're coming!"
        if rest is not None and rest.role is Role.YES:
            return rest
    return sentence


def _either_way(found: re.Match[str]) -> str:
    """The "maybe yes, maybe no" found, as one phrase without its comma."""
    return f"{found[1]} {found[2]} {found[1]} {found[3]}"


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
