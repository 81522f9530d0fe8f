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
    STOP = "stop"  # asks for no more messages: an opt-out, unless it also says yes
    WISH = "wish"  # "I'd love to": a no when a contrast follows ("... but I'm working")


PHRASES: dict[Role, dict[str, tuple[str, ...]]] = {
    Role.YES: {
        "en": ("yes", "yeah", "yea", "yep", "yup", "sure", "absolutely", "definitely",
               "of course", "count me in", "count us in", "i m in", "we re in", "see you there",
               "see you then", "see you soon", "looking forward", "look forward",
               "can t wait", "cant wait", "wouldn t miss it", "won t miss it",
               "wouldn t miss", "yes please", "confirmed", "i confirm", "we confirm",
               "with pleasure", "for sure", "certainly", "yess",
               "nah yeah", "you bet", "defo", "deffo", "def", "see u there", "c u there",
               "see ya there", "no way i d miss", "no way i m missing", "no way i ll miss",
               "no way i would miss", "nothing could stop me", "nothing will stop me",
               "too right", "righto"),
        "es": ("si", "claro", "claro que si", "por supuesto", "desde luego", "confirmo",
               "confirmado", "confirmamos", "cuenta conmigo", "cuenta con nosotros",
               "cuenten conmigo", "alli estare", "ahi estare", "alli estaremos",
               "ahi estaremos", "sin falta", "con gusto", "encantado", "encantada",
               "nos vemos", "por supuestisimo", "obvio", "dale",
               "no me lo pierdo", "no nos lo perdemos", "por nada del mundo me lo pierdo",
               "de una", "orale", "simon", "ahi nos vemos", "alla nos vemos"),
        "pt": ("sim", "claro", "claro que sim", "com certeza", "certeza", "confirmo",
               "confirmado", "confirmada", "confirmamos", "pode contar comigo",
               "pode contar com a gente", "conte comigo", "contem comigo", "estarei la",
               "estaremos la", "sem falta", "com prazer", "ate la", "nos vemos la", "opa",
               "bora", "presenca confirmada",
               "nao perco", "nao perco por nada", "nao vou perder", "nao vamos perder",
               "to dentro", "tou dentro", "estou dentro", "to la", "tou la", "com todo o gosto",
               "fechado", "la estarei", "la estaremos"),
        "ar": ("نعم", "اجل", "ايوه", "ايوا", "اكيد", "بالتاكيد", "طبعا", "اكيد ان شاء الله",
               "موافق", "موكد", "تم", "ما عندي مانع", "بكل سرور", "اكون موجود", "بكون موجود",
               "نشوفكم", "اشوفكم", "سنكون هناك", "ساكون هناك", "لبيك",
               "ابشر", "من عيوني", "علي راسي", "لا يهمك", "واه", "ما بفوتها", "ما افوتها",
               "ما راح افوتها", "ما رح فوتها", "ما رح افوتها", "مستحيل افوتها", "ما نفوتهاش",
               "akid", "aywa", "aiwa", "na3am", "tab3an", "ma bfawetha", "ma bfawta"),
        "fr": ("oui", "ouais", "ouai", "bien sur", "bien sur que oui", "avec plaisir",
               "avec grand plaisir", "avec joie", "volontiers", "absolument", "certainement",
               "evidemment", "carrement", "je confirme", "nous confirmons", "on confirme",
               "confirme", "confirmee", "confirmes", "compte sur moi", "comptez sur moi",
               "comptez sur nous", "compte sur nous", "a bientot", "au plaisir", "sans faute",
               "ravi", "ravie", "ravis", "pour rien au monde", "c est sur",
               "ne manquerai pas", "manquerai pas", "ne raterai pas", "raterai pas",
               "pas question que je rate", "pas question de rater", "d acc"),
    },
    Role.NO: {
        "en": ("no", "nope", "nah", "no thanks", "no thank you", "decline", "i decline",
               "can t", "cant", "cannot", "won t", "unable", "not able", "unfortunately",
               "sadly", "regret", "regretfully", "i m afraid not", "afraid not",
               "of course not", "definitely not", "probably not", "i don t think so",
               "not this time", "no way", "not going", "not coming", "not attending",
               "can t make it", "won t make it", "will miss it", "have to miss",
               "must decline", "i will pass", "i ll pass", "we ll pass", "not possible",
               "other plans", "another commitment", "out of town", "i m away", "will be away",
               "yeah nah", "another wedding", "another event", "prior engagement",
               "prior commitment", "other commitments", "we re away", "we ll be away",
               "i ll be away", "out of the country", "out of station", "count me out",
               "count us out", "i m out", "have to pass", "going to have to pass",
               "gonna have to pass", "sit this one out", "i m working", "i ll be working",
               "i have to work", "no can do"),
        "es": ("no", "no gracias", "no puedo", "no podre", "no podemos", "no podremos",
               "no voy", "no iremos", "no asistire", "imposible", "lamentablemente",
               "desafortunadamente", "por desgracia", "lo lamento", "claro que no",
               "creo que no", "no creo", "para nada", "tampoco", "otro compromiso",
               "estare de viaje", "estoy de viaje", "fuera de la ciudad",
               "estare fuera", "estaremos fuera", "mejor no",
               "me es imposible", "estamos de viaje", "otra boda", "otro evento",
               "esta vez paso", "trabajo ese dia", "me toca trabajar", "tengo que trabajar",
               "no alcanzo", "nop"),
        "pt": ("nao", "nao posso", "nao vou", "nao poderei", "nao podemos", "nao vamos",
               "nao da", "nao consigo", "infelizmente", "infelizmente nao", "nao obrigado",
               "nao obrigada", "claro que nao", "acho que nao", "impossivel", "de jeito nenhum",
               "nem pensar", "outro compromisso", "estarei viajando", "estaremos viajando",
               "vou estar viajando",
               "fora da cidade", "lamento", "nao vai dar", "outro casamento",
               "vou trabalhar", "tenho que trabalhar", "vou estar trabalhando", "nem vai dar"),
        "ar": ("لا", "لن احضر", "لن اتمكن", "لا استطيع", "ما اقدر", "مااقدر", "ماقدر", "ما راح",
               "ماراح", "اعتذر", "اعتذر عن الحضور", "اسف", "اسفه", "للاسف", "مع الاسف",
               "لا شكرا", "مستحيل", "مو قادر", "مش قادر", "مب قادر", "لا اقدر", "مسافر",
               "مسافره", "خارج البلد", "عندي ارتباط", "مرتبط", "اكيد لا",
               "مش هقدر", "مش حقدر", "ما رح", "ما رح اقدر", "ما بقدر", "ما نقدرش", "مانقدرش",
               "عندي شغل", "عندي دوام", "مشغول", "مشغوله", "la2", "ma ba2dar", "ma ba2der",
               "ma ra7", "mish ha2dar", "mesh ha2dar", "mush ha2dar", "la shukran"),
        "fr": ("non", "non merci", "pas possible", "impossible", "malheureusement", "helas",
               "je regrette", "nous regrettons", "je ne peux pas", "je ne pourrai pas",
               "on ne pourra pas", "nous ne pourrons pas", "pas dispo", "pas disponible",
               "indisponible", "indisponibles", "empeche", "empechee", "empechement",
               "je decline", "decliner", "autre engagement", "deja pris", "deja prise",
               "en deplacement", "en voyage", "a l etranger", "absent", "absente", "absents",
               "sans moi", "sans nous", "certainement pas", "surement pas", "pas cette fois",
               "viens pas", "vient pas", "venons pas", "viendrai pas", "viendra pas",
               "viendrons pas", "peux pas", "peut pas", "pourrai pas", "pourra pas",
               "pourrons pas", "serai pas", "sera pas", "serons pas", "vais pas", "allons pas",
               "pas etre possible", "sera pas possible", "je passe mon tour", "je travaille",
               "je bosse", "chu en voyage"),
    },
    Role.MAYBE: {
        "en": ("maybe", "perhaps", "possibly", "probably", "might", "may", "not sure",
               "i m not sure", "not certain", "tentative", "tentatively", "depends",
               "it depends", "will try", "i ll try", "we ll try", "try to", "hopefully",
               "let you know", "confirm later", "i think so", "not yet", "unsure",
               "50 50", "fifty fifty", "don t know", "dont know", "dunno", "no idea yet",
               "if i can", "if we can", "pencil me in", "should be able", "tbc", "tbd",
               "see how it goes"),
        "es": ("quizas", "quiza", "tal vez", "talvez", "a lo mejor", "puede ser", "no se",
               "no estoy seguro", "no estoy segura", "probablemente", "posiblemente",
               "depende", "intentare", "lo intento", "voy a intentar", "te confirmo",
               "les confirmo", "luego confirmo", "creo que si", "ojala", "todavia no se",
               "aun no se", "si puedo", "si podemos", "a ver si", "puede que si",
               "capaz", "capaz que", "te aviso", "les aviso"),
        "pt": ("talvez", "pode ser", "quem sabe", "nao sei", "nao tenho certeza",
               "provavelmente", "possivelmente", "depende", "vou tentar", "vamos tentar",
               "tento", "te confirmo", "confirmo depois", "depois confirmo", "acho que sim",
               "tomara", "ainda nao sei", "sei la", "se der", "se eu puder",
               "se puder", "se consigo", "se conseguir", "vou ver", "te aviso"),
        "ar": ("ربما", "يمكن", "ممكن", "لست متاكد", "لست متاكده", "لست متاكدا", "مش متاكد",
               "مو متاكد",
               "ما ادري", "مدري", "ما اعرف", "لا اعرف", "لا ادري", "ساحاول", "بحاول",
               "احاول", "اخبرك لاحقا", "ابلغك لاحقا", "اكد لاحقا", "غالبا", "علي الاغلب",
               "اذا قدرت", "ان قدرت", "حسب", "علي حسب", "مش عارف", "مو عارف", "هشوف",
               "بشوف", "حاول", "b7awel", "ba7awel", "mumkin", "yimkin", "momken"),
        "fr": ("peut etre", "peutetre", "je ne sais pas", "je sais pas", "sais pas",
               "pas encore sur", "pas encore sure", "pas sur", "pas sure", "pas certain",
               "pas certaine", "je ne suis pas sur", "je ne suis pas sure", "probablement",
               "possible", "c est possible", "si possible", "si je peux", "si on peut",
               "si tout va bien", "ca depend", "depend", "j essaierai", "je vais essayer",
               "on va essayer", "nous allons essayer", "je vais voir", "on verra",
               "je te dirai", "je vous dirai", "je te redis", "je vous redis",
               "confirme plus tard", "confirmerai", "je confirmerai", "je vous confirmerai",
               "je te tiens au courant", "je vous tiens au courant", "j espere",
               "c est pas sur", "je te dis", "je vous dis", "j essaie", "on essaie"),
    },
    Role.VERB: {
        "en": ("come", "coming", "attend", "attending", "be there", "make it", "join",
               "joining", "go", "going", "be present", "will be there", "ll be there",
               "be joining", "arrive", "will come"),
        "es": ("voy", "vamos", "ire", "iremos", "ir", "asistir", "asisto", "asistire",
               "asistiremos", "estare", "estaremos", "llego", "llegare", "acudire",
               "puedo ir", "podre ir", "vendre", "venimos", "voy a ir", "vamos a ir"),
        "pt": ("vou", "vamos", "irei", "iremos", "ir", "comparecer", "comparecerei",
               "compareceremos", "estarei", "estaremos", "chego", "vou sim", "vamos sim",
               "consigo", "consigo ir", "posso ir"),
        "ar": ("احضر", "ساحضر", "بحضر", "حاضر", "حاضرين", "سنحضر", "نحضر", "الحضور",
               "جاي", "جايين", "اجي", "باجي", "بجي", "راح اجي", "راح احضر", "موجود",
               "موجودين", "سنكون", "ساكون", "بكون", "حاجي", "هاجي", "جايه", "نجي",
               "نجيو", "نجيش", "ji", "jay", "jaye", "jayeen", "jaiyeen", "7a2ji", "ha2ji"),
        "fr": ("venir", "viens", "vient", "venons", "viendrai", "viendra", "viendrons",
               "viendront", "y serai", "y sera", "y serons", "serai la", "sera la",
               "serons la", "etre la", "etre present", "etre presente", "participer",
               "participerai", "participerons", "participe", "assister", "assisterai",
               "assisterons", "y aller", "vais venir", "allons venir", "present", "presente",
               "presents", "presentes", "y va", "on y va", "arrive"),
    },
    Role.WISH: {
        "en": ("i d love to", "i would love to", "we d love to", "we would love to",
               "i wish i could", "i d really love to"),
        "es": ("me encantaria", "nos encantaria", "ojala pudiera", "ojala pudieramos",
               "me gustaria mucho"),
        "pt": ("adoraria", "eu adoraria", "adorariamos", "gostaria muito", "queria muito"),
        "ar": ("كنت اتمني", "كنت حاب", "كنت حابه", "ودي", "والله ودي", "كان بودي", "يا ريت"),
        "fr": ("j aimerais bien", "j aurais aime", "j aurais adore", "j adorerais",
               "on aimerait bien", "on aurait adore", "j aimerais beaucoup"),
    },
    Role.STOP: {
        "en": ("stop sending me messages", "stop sending messages", "stop sending me texts",
               "stop sending me these", "stop sending me this", "stop messaging",
               "stop texting", "stop contacting", "no more messages", "no more texts",
               "remove me from", "take me off", "unsubscribe me", "don t message me",
               "do not message me", "don t text me", "do not text me", "don t contact me",
               "do not contact me", "don t send me messages", "do not send me messages",
               "don t send me any more", "stop spamming"),
        "es": ("deja de escribirme", "dejen de escribirme", "deja de mandarme",
               "dejen de mandarme", "deja de enviarme", "dejen de enviarme",
               "no me escriban", "no me escribas", "no me escriban mas", "no me manden mas",
               "no me mandes mas", "no me envien mas", "no me envies mas",
               "no me manden mensajes", "no me envien mensajes", "no mas mensajes",
               "sacame de la lista", "sacame de", "sacenme de", "borrame de", "borrenme de"),
        "pt": ("para de me mandar", "pare de me mandar", "parem de me mandar",
               "para de mandar mensagem", "pare de enviar", "parem de enviar",
               "para de me enviar", "pare de me enviar", "parem de me enviar",
               "nao quero mais receber", "nao me mande mais", "nao me mandem mais",
               "nao me envie mais", "nao me enviem mais", "me tira dessa lista",
               "me tira da lista", "me tirem da lista", "me remove da lista",
               "me removam da lista", "chega de mensagens"),
        "ar": ("لا ترسل لي", "لا ترسلوا لي", "لا ترسلي لي", "لا تبعتلي", "لا تبعتولي",
               "توقفوا عن ارسال", "توقف عن ارسال", "توقفوا عن الارسال", "ما ابي رسايل",
               "ما ابغي رسايل", "ما بدي رسايل", "مش عايز رسايل", "بطلوا تبعتولي",
               "بطل تبعتلي", "شيلوني من", "شيلني من", "احذفوني من", "احذف رقمي",
               "لا اريد رسايل", "لا اريد استقبال رسايل", "كفايه رسايل"),
        "fr": ("arrete de m envoyer", "arretez de m envoyer", "arrete de m ecrire",
               "arretez de m ecrire", "ne m envoyez plus", "ne m envoie plus",
               "ne m ecrivez plus", "ne m ecris plus", "je ne veux plus recevoir",
               "veux plus recevoir", "retirez moi de", "retire moi de", "enlevez moi de",
               "plus de messages", "desinscrivez moi", "desabonnez moi"),
    },
    Role.CONTRAST: {
        "en": ("but", "actually", "however", "i mean", "on second thought"),
        "es": ("pero", "aunque", "en realidad", "mejor dicho", "pensandolo bien",
               "bueno"),
        "pt": ("mas", "porem", "contudo", "na verdade", "pensando bem"),
        "ar": ("لكن", "ولكن", "بس", "في الحقيقه", "بالحقيقه"),
        "fr": ("mais", "en fait", "finalement", "cependant", "pourtant", "toutefois",
               "par contre", "a la reflexion", "enfin"),
    },
    Role.NEUTRAL: {
        "en": ("no problem", "no worries", "no doubt", "no idea", "thanks", "thank you",
               "please", "ok", "okay", "great", "perfect", "sorry", "hello", "hi",
               "not a problem", "no matter", "god willing", "inshallah", "insha allah",
               "inshaallah", "in sha allah", "inchallah", "inch allah", "ma3lesh", "shukran"),
        "es": ("gracias", "muchas gracias", "vale", "perfecto", "genial", "no hay problema",
               "sin problema", "ningun problema", "hola", "por favor", "lo siento",
               "si dios quiere", "lo sentimos", "que pena", "una pena"),
        "pt": ("obrigado", "obrigada", "valeu", "beleza", "perfeito", "otimo",
               "sem problema", "sem problemas", "nao tem problema", "ola", "oi",
               "por favor", "desculpa", "desculpe", "se deus quiser", "demorou", "poxa",
               "foi mal"),
        "ar": ("شكرا", "مشكور", "تمام", "ان شاء الله", "انشاء الله", "انشالله", "ما شاء الله",
               "الله يعطيك العافيه", "ما في مشكله", "مافي مشكله", "لا مشكله", "لا يوجد مشكله",
               "مرحبا",
               "السلام عليكم", "الحمد لله", "يعطيك العافيه", "من فضلك", "لو سمحت",
               "باذن الله", "معلش", "معليش", "ايه", "سامحني", "اعذرني", "والله"),
        "fr": ("merci", "merci beaucoup", "mille mercis", "merci bien", "bonjour", "bonsoir",
               "salut", "coucou", "pas de souci", "pas de soucis", "pas de probleme",
               "aucun probleme", "sans probleme", "super", "genial", "parfait", "top",
               "s il vous plait", "s il te plait", "svp", "stp", "desole", "desolee",
               "excusez moi", "pardon", "d accord", "c est note", "bien recu",
               "felicitations", "bravo", "si dieu le veut", "inch allah", "inchallah",
               "pas grave", "c est pas grave"),
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
