"""The words the sentence reader knows, by role and language (en/es/pt/ar/fr).

Each phrase is written in normal form (`replies.normalize`: lower case, no accents, tashkeel
or punctuation); `sentences` reads messages with them.
"""

from __future__ import annotations

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
