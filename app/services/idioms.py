"""Idioms whose words point the other way, read before the phrases (en/es/pt/ar/fr).

A refusal to miss it is a yes ("não vou faltar de jeito nenhum", "ni loca me lo pierdo",
"je ne raterai pas ça", "مش هغيب"), and so is "how could I not come" ("comment ne pas venir",
"não tem como não ir"): `rewrite` turns them into the language's "yes" before the sentence
reader sees their negations; another plan cancelled to come ("cancelled my other plans so I
can come") is taken out, its "cancel" no refusal. Someone else's refusal or absence is not
the guest's ("the kids won't come", "mi esposo no puede", "المدام مسافرة", "yes, but my wife
can't", "but Josh can't", "mas o Paulo não vai"): it is taken out, so it decides nothing
unless the guest also says so ("my wife and I can't" keeps its "I").
Patterns read `replies.normalize`d text.
"""

from __future__ import annotations

import re


def _any(*words: str) -> str:
    """An alternation of words or patterns."""
    return "(?:" + "|".join(words) + ")"


# Refusing to miss it, by language, and the "yes" it stands for. Ability ("I can't miss
# work", "no puedo faltar al trabajo") is left out: it refuses something else.
NOT_MISSING = (
    (
        _any("wouldn t", "won t", "will not", "would not", "never", "not going to", "not gonna",
             "no way i d", "no way i would", "no way i ll", "no way i m", "no way we d",
             "no way we re", "no way we ll", "don t want to", "do not want to",
             "dont want to")
        + " (?:ever |gonna |going to )?(?:miss|be missing|skip)"
        + "(?: it| this| that| the \\w+| your \\w+)?"
        + "(?: for (?:anything|the world|anything in the world))?",
        "yes",
    ),
    (
        _any("no", "ni loc[oa]s?", "ni muert[oa]s?", "ni de broma", "ni en suenos", "nunca",
             "jamas")
        + " (?:me |nos )?(?:lo |la |los |las )?"
        + "(?:voy a |vamos a |pienso |pensamos |iba a |quiero |queremos )?"
        + _any("pierdo", "perdemos", "perderia", "perderiamos", "perdere", "perderemos",
               "perder", "perdermelo", "falto", "faltamos", "faltare", "faltaremos",
               "faltaria", "faltariamos", "faltar")
        + "(?: por nada(?: del mundo)?| de ninguna manera| por ningun motivo)?",
        "si",
    ),
    (
        _any("nao", "nunca", "jamais", "nem", "nem mort[oa]s?(?: que)?(?: eu)?")
        + " (?:vou |vamos |iria |irei |iriamos |quero |queremos )?"
        + _any("faltar", "falto", "faltaria", "faltarei", "faltaremos", "faltariamos",
               "faltamos", "perder", "perco", "perderia", "perderei", "perdemos", "perdia",
               "faltava", "perdiamos")
        + "(?: (?:essa|esta|isso|isto)\\w*)?"
        + "(?: por nada(?: (?:deste|desse|neste|nesse|do|no) mundo)?| de jeito nenhum"
        + "| de jeito algum| de forma alguma| de maneira nenhuma| nem mort[oa])?",
        "sim",
    ),
    (
        "(?:(?:ne|n) )?(?:(?:le|la|l) )?"
        + _any("manquerai", "manquerais", "manquerons", "manquerions", "manquera",
               "raterai", "raterais", "raterons", "ratera", "louperai", "louperais",
               "loupera")
        + " (?:pas|jamais)(?: ca| cela| ce \\w+| cette \\w+)?(?: pour rien au monde)?",
        "oui",
    ),
    (
        "(?:(?:ne|n) )?(?:vais|va|allons|vas|veux|voulons) (?:pas|jamais) (?:manquer|rater|louper)"
        "(?: ca| cela)?|(?:pas|hors de) question (?:que (?:je|j|on|nous) (?:rate|manque|"
        "loupe)\\w*|de (?:rater|manquer|louper))",
        "oui",
    ),
    (
        _any("ما", "مش", "مو", "لن", "مستحيل", "ما رح", "ما راح", "مش رح", "ابدا ما")
        + " (?:ممكن |عايز |عاوز |بدي |ابي |ابغي |حابب )?[ابنتهح]{0,2}(?:فوت|غيب|تغيب)\\w*",
        "نعم",
    ),
    (
        _any("ma", "mish", "msh", "mesh", "mosta7il", "mustahil", "ma ra7", "mish ha")
        + " ?(?:momken |mumkin )?(?:b|a|n|ha|7a|bn)?(?:fawet|fawt|fawwet|ghib|gheeb)\\w*",
        "aywa",
    ),
)  # fmt: skip
# "How could I not come?", said as a yes: "comment ne pas venir", "não tem como não ir".
HOW_NOT = (
    ("how (?:could|can|would) (?:i|we) (?:not|miss it)(?: (?:come|go|be there|attend))?",
     "yes"),
    ("(?:como|como no|como iba a no|como no voy a) (?:ir|venir|asistir|estar)"
     "|como no (?:voy|vamos|iria|iriamos)", "si"),
    ("(?:como|nao tem como|nao ha como|tem como) nao (?:ir|vir|vou|vamos|estar la|comparecer)"
     "|(?:nao tem como|nao ha como) (?:eu |a gente |nos )?(?:faltar|perder)", "sim"),
    ("comment (?:ne pas|pas|ne pourrais je pas|je pourrais ne pas) (?:venir|y aller|etre la"
     "|participer)", "oui"),
    ("(?:كيف|ازاي|شلون) (?:ما|مش|لا) (?:اجي|احضر|نجي|نحضر|اكون)", "نعم"),
)  # fmt: skip
# "Why not", ending its clause, is a yes ("¡Cómo no! Allí estaremos"); with words after it,
# it asks ("ليش لا تجي؟").
WHY_NOT = (
    ("why not$", "yes"),
    ("(?:por que|porque|como) no$", "si"),
    ("(?:por que|porque|como) nao$", "sim"),
    ("(?:ليش|ليه|لم) لا$|(?:lesh|leh) la2?$", "نعم"),
    ("pourquoi pas$", "oui"),
)
# Another plan cancelled to come decides nothing ("cancelled my other plans so I can come",
# "cancelé lo otro para poder ir"): its "cancel" is not the guest's refusal.
CANCELLED_ELSE = (
    ("(?:i |we )?(?:cancel\\w*|moved|rescheduled|dropped) (?:my |our |the |all )?(?:other )?"
     "(?:plans?|things?|commitments?|meeting|trip|shift)", ""),
    ("(?:cancele|cancelamos|cance?le|anule|anulamos|movi|cambie) (?:lo otro|la otra cosa|"
     "otra cosa|el otro compromiso|mis planes|mi viaje|mi turno)", ""),
    ("(?:cancelei|cancelamos|desmarquei|desmarcamos|remarquei|mudei) (?:o outro compromisso|"
     "a outra coisa|o outro|os meus planos|meus planos|minha viagem|o plantao)", ""),
    ("(?:j ai |on a |nous avons )?(?:annule|decale|deplace) (?:mon autre \\w+|l autre \\w+|"
     "mes plans|mon rdv|mon rendez vous|mon voyage)", ""),
)  # fmt: skip
NOT_MISSING_PATTERNS = tuple(
    (re.compile(f"(?<!\\S){pattern}(?!\\S)"), yes)
    for pattern, yes in (*NOT_MISSING, *HOW_NOT, *WHY_NOT, *CANCELLED_ELSE)
)

# People other than the guest, as the subject of a refusal: "my wife", "los niños", "المدام".
DETERMINERS = _any("my", "the", "our", "his", "her", "mi", "mis", "el", "la", "los", "las",
                   "nuestros", "nuestras", "meu", "minha", "meus", "minhas", "o", "a", "os",
                   "as", "nossos", "nossas", "mon", "ma", "mes", "le", "les", "nos",
                   "l")  # fmt: skip
OTHERS = _any(
    "wife", "husband", "partner", "kids", "children", "son", "daughter", "boyfriend",
    "girlfriend", "fiance", "fiancee", "mum", "mom", "dad", "parents", "family", "brother",
    "sister", "baby", "missus", "hubby", "plus one",
    "esposa", "esposo", "marido", "mujer", "pareja", "novio", "novia", "hijos", "hijo", "hija",
    "ninos", "nenes", "chicos", "padres", "mama", "papa", "hermano", "hermana", "familia",
    "acompanante", "pololo", "polola",
    "mulher", "namorado", "namorada", "filhos", "filho", "filha", "criancas", "meninos",
    "miudos", "pais", "mae", "pai", "irmao", "irma", "noivo", "noiva", "acompanhante",
    "femme", "mari", "conjoint", "conjointe", "copain", "copine", "enfants", "fils", "fille",
    "mere", "pere", "frere", "soeur", "famille", "compagnon", "compagne", "chum", "blonde",
    "و?زوجتي", "و?زوجي", "و?مرتي", "و?مراتي", "و?جوزي", "و?المدام", "و?الاولاد", "و?الولاد",
    "و?اولادي", "و?ولادي", "و?العيال", "و?عيالي", "و?الاطفال", "و?اطفالي", "و?ابني", "و?بنتي",
    "و?اخوي", "و?اختي", "و?امي", "و?ابوي", "و?اهلي", "و?خطيبي", "و?خطيبتي",
)  # fmt: skip
REFUSING = _any("not", "can t", "cant", "cannot", "won t", "wont", "isn t", "aren t", "no",
                "ni", "nao", "nem", "ne", "n", "pas", "لا", "ما", "مش", "مو", "لن",
                "مب")  # fmt: skip
# Someone else kept away: "my wife is travelling", "mi esposo está de viaje", "المدام مسافرة".
AWAY = _any("travelling", "traveling", "away", "working", "busy", "sick", "ill", "de viaje",
            "viajando", "trabajando", "enferm[oa]", "fuera", "trabalhando", "fora", "doente",
            "en voyage", "en deplacement", "travaille", "malade", "absente?",
            "مسافر\\w*", "مشغول\\w*", "تعبان\\w*", "مريض\\w*", "عنده شغل", "عندها شغل",
            "عندهم شغل")  # fmt: skip
CONTRASTS = _any("but", "pero", "mas", "mais", "بس", "لكن", "ولكن")
# Arabic negations written onto their verb: "مايقدر", "مش جاية".
ATTACHED = "(?:ما|مش|مو|مب|لا|لن)\\S+"
# After a contrast too ("yes, but my wife can't"): the contrast stays, the refusal goes.
OTHERS_REFUSING = re.compile(
    f"(?:^|(?<!\\S)(?={CONTRASTS} ))((?:{CONTRASTS} )?)"
    f"(?:(?:and|y|e|et) )?(?:{DETERMINERS} )?{OTHERS}"
    f"(?: (?:and|y|e|et|&) (?:{DETERMINERS} )?{OTHERS})*(?: \\S+){{0,2}} "
    f"(?:(?:{REFUSING}|{AWAY})(?!\\S)|{ATTACHED}).*?(?= {CONTRASTS} |$)"
)
# Someone named, after a contrast, with a verb that is not the guest's: "but Josh can't",
# "pero Juan no puede", "mas o Paulo não vai", "mais Marc ne pourra pas".
NOT_A_NAME = _any("i", "we", "you", "it", "that", "this", "there", "which", "work", "time",
                  "what", "who", "one", "yo", "eu", "je", "j", "on", "nous", "ca", "cela",
                  "isso", "isto", "eso", "esto", "nada", "nao", "no", "ne", "n")  # fmt: skip
NAMED_REFUSING = re.compile(
    "(?<!\\S)((?:but|though) )(?!" + NOT_A_NAME + " )\\w+ (?:can t|cant|cannot|won t|wont|"
    "isn t|is not|will not|couldn t)\\b.*?(?= but |$)"
    "|(?<!\\S)(pero )(?:el |la )?(?!" + NOT_A_NAME + " )\\w+ no (?:puede|podra|va|viene|"
    "vendra|ira)\\b.*?(?= pero |$)"
    "|(?<!\\S)(mas )(?:o |a )(?!" + NOT_A_NAME + " )\\w+ nao (?:pode|podera|vai|vem|"
    "consegue|conseguira)\\b.*?(?= mas |$)"
    "|(?<!\\S)(mais )(?!" + NOT_A_NAME + " )\\w+ (?:ne|n) (?:pourra|peut|viendra|vient|"
    "sera|est)\\b.*?(?= mais |$)"
)
# The guest among the subjects: "my wife and I can't" is the guest's own refusal.
SELF = frozenset(("i", "me", "we", "us", "myself", "yo", "nosotros", "nosotras", "eu",
                  "je", "j", "moi", "nous", "on", "انا", "احنا", "نحن", "نحنا", "ana",
                  "e7na"))  # fmt: skip


def rewrite(normalized: str) -> str:
    """A normalised clause with its refusals to miss it said as "yes", and others' refusals
    taken out."""
    for pattern, yes in NOT_MISSING_PATTERNS:
        normalized = pattern.sub(yes, normalized)
    normalized = OTHERS_REFUSING.sub(_unless_self, normalized)
    return NAMED_REFUSING.sub(_contrast_only, normalized)


def _contrast_only(named: re.Match[str]) -> str:
    """A named person's refusal taken out, its contrast kept."""
    return next(group for group in named.groups() if group)


def _unless_self(others: re.Match[str]) -> str:
    """Someone else's refusal taken out, its contrast kept, unless the guest is among them."""
    return others[1] if SELF.isdisjoint(others[0].split()) else others[0]
