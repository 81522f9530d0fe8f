"""Idioms whose words point the other way, read before the phrases (en/es/pt/ar/fr).

A refusal to miss it is a yes ("não vou faltar de jeito nenhum", "ni loca me lo pierdo",
"je ne raterai pas ça", "مش هغيب"), and so is "how could I not come" ("comment ne pas venir",
"não tem como não ir"): `rewrite` turns them into the language's "yes" before the sentence
reader sees their negations, and so is "I can't say no to you"; another plan cancelled to
come ("cancelled my other plans so I can come"), a "no" the guest was about to say ("I was
gonna say no, but...") and a few minutes late ("might be 5 mins late") are taken out, and
"neither of us can" is the guest's own no. The guest in a named place ("I'm in Bali that
week", "estaré en Londres") is away (`elsewhere`, on the written clause). Someone else's
refusal or absence is not the guest's ("the kids won't come", "mi esposo no puede",
"المدام مسافرة", "yes, but my wife can't", "but Josh can't", "mas o Paulo não vai"): it is
taken out, so it decides nothing unless the guest also says so ("my wife and I can't"
keeps its "I").
Patterns read `replies.normalize`d text.
"""

from __future__ import annotations

import re


def _any(*words: str) -> str:
    """An alternation of words or patterns."""
    return "(?:" + "|".join(words) + ")"


# Refusing to miss it, by language, and the "yes" it stands for. Ability ("I can't miss
# work", "no puedo faltar al trabajo") is left out: it refuses something else, but for
# French "je ne peux pas manquer ça, le mariage"; missing work is never it ("no hay forma de
# que falte al trabajo").
NOT_MISSING = (
    (
        _any("wouldn t", "won t", "will not", "would not", "never", "not going to", "not gonna",
             "no way i d", "no way i would", "no way i ll", "no way i m", "no way we d",
             "no way we re", "no way we ll", "don t want to", "do not want to",
             "dont want to", "wouldn t dream of", "would never dream of", "not even thinking of",
             "impossible to")
        + " (?:ever |gonna |going to )?(?:miss|be missing|missing|skip|skipping)"
        + "(?: it| this| that| the \\w+| your \\w+)?"
        + "(?: for (?:anything|the world|anything in the world))?(?! work| my shift)",
        "yes",
    ),
    (
        _any("no", "ni loc[oa]s?", "ni muert[oa]s?", "ni de broma", "ni en suenos", "nunca",
             "ni cagando", "ni en pedo", "ni a palos",
             "jamas", "ni pensar en", "ni se me ocurre", "ni se nos ocurre", "imposible",
             "no hay (?:manera|forma|modo|chance) (?:de|de que)", "de ninguna manera")
        + " (?:me |nos )?(?:lo |la |los |las )?"
        + "(?:voy a |vamos a |pienso |pensamos |iba a |quiero |queremos )?"
        + _any("pierdo", "perdemos", "perderia", "perderiamos", "perdere", "perderemos",
               "perder", "perdermelo", "falto", "faltamos", "faltare", "faltaremos",
               "faltaria", "faltariamos", "faltar", "pierda", "perdamos", "falte", "faltemos")
        + "(?! (?:al|a|el|mi) (?:trabajo|curro|laburo|chamba|turno|guardia))"
        + "(?: por nada(?: del mundo)?| de ninguna manera| por ningun motivo"
        + "| ni cagando| ni loc[oa]| ni muert[oa]| ni a palos| ni en pedo)?",
        "por supuesto",  # not "si", which a condition could follow ("si el asado")
    ),
    (
        _any("nao", "nunca", "jamais", "nem", "nem mort[oa]s?(?: que)?(?: eu)?",
             "nem pensar em", "nem penso em", "nem pensamos em", "nao penso em", "impossivel",
             "nao ha (?:maneira|forma|hipotese) de", "sem chance de")
        + "(?: me| nos)? (?:vou |vamos |iria |irei |iriamos |quero |queremos |ia |iamos )?"
        + _any("faltar", "falto", "faltaria", "faltarei", "faltaremos", "faltariamos",
               "faltamos", "perder", "perco", "perderia", "perderei", "perdemos", "perdia",
               "faltava", "perdiamos", "falho", "falhar", "falharia", "falharei", "falhamos",
               "falhava")
        + "(?: (?:essa|esta|isso|isto)\\w*| (?:o |a )?(?:seu|sua|teu|tua|vosso|vossa) \\w+)?"
        + "(?: por nada(?: (?:deste|desse|neste|nesse|do|no) mundo)?| de jeito nenhum"
        + "| de jeito algum| de forma alguma| de maneira nenhuma| nem mort[oa])?"
        + "(?! (?:ao|o|a|no) (?:trabalho|servico|plantao|turno))",
        "sim",
    ),
    ("(?:isso |isto |essa |esta )?(?:nao se falta|nao se perde|nao se falha)", "sim"),
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
        "(?: ca| cela)?|(?:(?:ne|n) )?(?:peux|peut|pouvons|pourrais|pourrait) pas (?:manquer|rater"
        "|louper) (?:ca|cela|ce mariage|le mariage|ton mariage|votre mariage|la fete|ta fete)"
        "|impossible de (?:manquer|rater|louper)"
        "|(?:pas|hors de) question (?:que (?:je|j|on|nous) (?:rate|manque|"
        "loupe)\\w*|de (?:rater|manquer|louper))",
        "oui",
    ),
    (
        _any("ما", "مش", "مو", "لن", "مستحيل", "ما رح", "ما راح", "مش رح", "ابدا ما")
        + " (?:ممكن |عايز |عاوز |بدي |ابي |ابغي |حابب |بقدر |اقدر |نقدر |بقدرش |نقدرش )?"
        + "[ابنتهح]{0,2}(?:فوت|غيب|تغيب)\\w*",
        "نعم",
    ),
    # "impossible that I don't come": "مستحيل مجيش", "مستحيل ما احضر"
    ("مستحيل (?:ما ?(?:اجي|نجي|احضر|نحضر)|م(?:جيش|نجيش|احضرش|نحضرش))\\w*", "نعم"),
    (
        _any("ma", "mish", "msh", "mesh", "mosta7il", "mustahil", "ma ra7", "mish ha")
        + " ?(?:momken |mumkin )?(?:b?2dar |b?2der |ba2dar |a2dar |n9der |n9dar )?"
        + "(?:b|a|n|ha|7a|bn)?(?:fawet|fawt|fawwet|ghib|gheeb)\\w*",
        "aywa",
    ),
)  # fmt: skip
# Not being able to refuse, said as a yes: "I can't say no to you", "no te puedo decir que no",
# "não consigo dizer não", "je ne peux pas te dire non", "ما اقدر اقولك لا".
CANNOT_REFUSE = (
    ("(?:i |we )?(?:can t|cannot|cant|couldn t|could never|can never|would never|d never|wouldn t|"
     "would not|won t|will never)(?: (?:ever|even))? (?:dream of |think of |think about )?"
     "(?:say no|saying no|refuse|refusing|turn (?:you|this|that|it) down"
     "|turning (?:you|this|that|it) down)(?: to (?:you|this|that|it|y all))?",
     "yes"),
    ("(?:ni en suenos|jamas|nunca|ni loc[oa]|ni de broma) (?:te |les |le )?(?:diria|digo|diriamos"
     "|decimos|diria yo) (?:que )?no", "por supuesto"),
    ("(?:nem em sonhos|jamais|nunca|nem pensar em|nem pensar) (?:te |lhe )?(?:diria|digo|"
     "dizer|diriamos) (?:que )?nao", "sim"),
    ("(?:je ne |je n |on ne |jamais je ne )?(?:te |vous )?(?:dirais|dirai|dirions) jamais non"
     "|(?:hors de question|pas question) de (?:te |vous )?(?:dire non|refuser)", "oui"),
    ("(?:مستحيل|ابدا ما|عمري ما) ?(?:اقول|اقولك|اقلك|قلك|نقول|ارفض|نرفض)(?: لا)?", "نعم"),
    ("(?:no (?:te |les |os |le )?(?:puedo|podemos|podria) (?:decir(?:te|les|os|le)? que no"
     "|negar(?:me|nos))|no (?:me|nos) (?:puedo|podemos) negar)", "por supuesto"),
    ("nao (?:consigo|posso|conseguimos|podemos|da pra|tem como) (?:te |lhe )?(?:dizer|falar) "
     "(?:que )?nao|nao (?:consigo|posso) (?:recusar|negar)", "sim"),
    ("(?:je |on |nous )?(?:ne |n )?(?:peux|peut|pouvons|pourrais) pas (?:te |vous )?"
     "(?:dire non|refuser)|impossible de (?:te |vous )?(?:dire non|refuser)", "oui"),
    ("(?:ما|مش|مو|لا) ?(?:اقدر|بقدر|نقدر|اقدرش|قادر) (?:اقول|اقولك|اقلك|قلك|قول|ارفض|"
     "نرفض|اقولكم)(?: لا)?", "نعم"),
    # a yes in a joke's negation: "I'm not going to say no to free food", "no le voy a decir
    # que no a", "não vou dizer não a", "je vais pas dire non à", "مش هقول لا"
    ("(?:i m |we re |i am |we are )?(?:not going to|not gonna|never going to|never gonna|"
     "ain t gonna|not about to) (?:say no|turn down|refuse|pass up)", "yes"),
    ("no (?:le |te |les |os )?(?:voy|vamos|pienso|pensamos) (?:a )?(?:decir(?:le|te|les)? que no"
     "|rechazar|despreciar)", "por supuesto"),
    ("nao (?:vou|vamos|irei) (?:te |lhe )?(?:dizer|falar) (?:que )?nao|nao (?:vou|vamos) "
     "(?:recusar|rejeitar)", "sim"),
    ("(?:je |j |on )?(?:ne |n )?(?:vais|va|allons) pas (?:dire non|refuser|cracher sur)", "oui"),
    ("(?:مش|ما|مو) ?(?:\u0647|ح|رح |راح |بدي )?(?:اقول|قول|نقول|ارفض|نرفض) لا", "نعم"),
)  # fmt: skip
# A "yes and no" said as one, the organiser's to decide: "sí pero no", "yes and no", "sim e
# não", "oui et non", "ايوه بس لا": read as both, never as the no that ends it.
YES_AND_NO = (
    ("(?:yes|yeah|yh) (?:and|but) no$", "yes no"),
    ("(?:si|sii) (?:y|pero) no$", "claro no"),
    ("sim (?:e|mas) nao$", "sim nao"),
    ("oui et non$", "oui non"),
    ("(?:\u0627\u0647|ايوه|ايه|نعم) (?:و|ولا|بس) ?لا$", "نعم لا"),
)  # fmt: skip
# Just done, not coming: French "je viens de" + an infinitive ("je viens d'accoucher", "on
# vient de rentrer") and Spanish "vengo de" + one say what was just done, never "I'm coming".
JUST_DONE = (
    ("(?:je |j |on |nous )?(?:viens|vient|venons) (?:de|d) (?:(?:me|m|nous|se|s|l|le|la|les) )?"
     "(\\w+(?:er|ir|re|oir))", "\\1"),
    ("(?:yo )?(?:vengo|venimos) de (\\w+(?:ar|er|ir)(?:me|nos|lo|la)?)", "\\1"),
)  # fmt: skip
# Nothing could keep the guest away, said as a yes: "nothing would keep me away", "nada me va a
# impedir ir", "nada vai me impedir de ir", "rien ne pourrait m'empêcher de venir", "je ne vois
# pas ce qui m'empêcherait de venir", "ما في شي بيمنعني".
NOTHING_STOPS = (
    ("(?:nothing|nobody|no one|noone) (?:on earth |in the world |at all )?"
     "(?:would|could|will|can|is going to|s going to|gonna|would ever|could ever) "
     "(?:keep|stop|prevent|hold) (?:me|us)(?: back)?(?: away)?"
     "|(?:there s |there is )?nothing (?:that )?(?:would|could|can|will) (?:keep|stop) (?:me|us)"
     "(?: away)?", "yes"),
    ("(?:nada|nadie) (?:en el mundo )?(?:me |nos )?(?:va a |van a |puede |podria |podra |"
     "podrian )?(?:me |nos )?(?:impide|impedir|impediria|impedira|detiene|detener|detendria|"
     "detendra|frena|frenar|quita|quitar)\\w*"
     "|no hay nada que (?:me |nos )?(?:impida|detenga|frene)\\w*", "por supuesto"),
    ("(?:nada|ninguem) (?:neste mundo |no mundo )?(?:me |nos )?(?:vai |pode |podera |poderia |"
     "vao )?(?:me |nos )?(?:impede|impedir|impediria|impedira|segura|segurar|tira|tirar)\\w*"
     "|nao (?:ha|tem) nada que (?:me |nos )?(?:impeca|segure)\\w*", "sim"),
    ("(?:rien|personne) (?:au monde )?(?:ne |n )?(?:pourrait|peut|pourra|va|saurait)? ?"
     "(?:m |me |nous )?(?:empecher|empechera|empecherait|empeche|retenir|retiendra|retiendrait)"
     "|(?:je ne |je |on ne |on )?vois pas ce qui (?:m |me |nous |pourrait m |pourrait nous )?"
     "(?:empecherait|empeche|empecher)", "oui"),
    ("(?:ما|مافي|ما في|ما فيه|مفيش|ما فيش|ولا|لا) ?(?:شي|شيء|حاجه|حد|احد|حدا)? ?"
     "(?:رح |راح |ح |\u0647\u064a|\u0647)?(?:ي|بي|سي)?منع(?:ني|نا)"
     "|(?:walo|ma fi shi|mafi shi|mafish|ma7ad|ma 7ad|wala shi) (?:ra7 )?(?:y|bi|by)?mna3(?:ni|na)",
     "نعم"),
)  # fmt: skip
# "How could I not come?", said as a yes: "comment ne pas venir", "não tem como não ir".
HOW_NOT = (
    ("how (?:could|can|would) (?:i|we) (?:not|miss it)(?: (?:come|go|be there|attend))?",
     "yes"),
    # not "no tengo cómo ir", "não tenho como ir" (no way to get there)
    ("(?<!tengo )(?<!tenho )(?<!temos )(?:como|como no|como iba a no|como no voy a) "
     "(?:ir|venir|asistir|estar)"
     "|como no (?:voy|vamos|iria|iriamos)", "por supuesto"),
    ("(?:como|nao tem como|nao ha como|tem como) nao (?:ir|vir|vou|vamos|estar la|comparecer)"
     "|(?:nao tem como|nao ha como) (?:eu |a gente |nos )?(?:faltar|perder)", "sim"),
    # "you think I'd miss your 50th??", "¿crees que me lo voy a perder?": a yes asked back
    ("(?:you |do you |did you |you really |u )?(?:think|thought) (?:i d|i would|we d|we would|"
     "i m gonna|i was gonna) (?:ever )?(?:miss|skip)", "yes"),
    ("(?:crees|creeis|pensas|piensas|creiste|pensaste) que (?:me lo |nos lo |me la |nos la )?"
     "(?:voy a |vamos a |iba a |ibamos a )?(?:perder|faltar|perderia|faltaria)", "por supuesto"),
    ("(?:achas|acha|achou|achaste|pensas|pensa|pensou) que (?:eu )?(?:ia|iria|vou) "
     "(?:faltar|perder)", "sim"),
    ("(?:tu crois|tu pensais|vous croyez|tu croyais) (?:que )?(?:je |j |on )?(?:vais|allais|va|"
     "allait) (?:rater|manquer|louper)", "oui"),
    ("comment (?:ne pas|pas|ne pourrais je pas|je pourrais ne pas) (?:venir|y aller|etre la"
     "|participer)", "oui"),
    ("(?:كيف|ازاي|شلون) (?:ما|مش|لا) (?:اجي|احضر|نجي|نحضر|اكون)", "نعم"),
    # "how could I miss it", "can't NOT come", "je ne sais pas comment je pourrais louper ça",
    # "não tem como eu não ir", "هو انا ممكن مجيش؟", "how I no go come?"
    ("how (?:could|can|would) (?:i|we) (?:ever )?miss (?:it|this|that|your \\w+)"
     "|(?:i |we )?(?:can t|cannot|cant|couldn t) not (?:come|go|be there|make it|attend)"
     "|how (?:i|we) (?:no go|go fit no|wan take no) (?:come|attend|dey)", "yes"),
    ("como (?:me lo |nos lo |me la |nos la )?(?:voy a |iba a |vamos a |podria )?(?:perder|faltar)"
     "|no (?:puedo|podemos|podria) no (?:ir|venir|estar)", "por supuesto"),
    ("(?:nao tem como|nao ha como) (?:eu|a gente|nos) nao (?:ir|vir|estar la|comparecer)"
     "|como (?:e que )?(?:eu )?(?:ia|iria|vou|poderia) (?:faltar|perder)"
     "|nao (?:posso|podemos) nao (?:ir|vir)", "sim"),
    ("(?:je ne sais pas |je sais pas |je vois pas )?comment (?:je|j|on) (?:pourrais|pourrait|"
     "pourrions|peux|peut|pourrai|pourra) (?:louper|manquer|rater)(?: ca| cela)?"
     "|(?:je ne |je )?(?:peux|peut) pas ne pas (?:venir|y aller|etre la)", "oui"),
    ("(?:هو )?(?:انا|احنا) ممكن (?:مجيش|منجيش|ما اجيش|ما نجيش|ما اجي|ما نجي|ما احضر|افوت\\w*)"
     "|(?:ما|مش) (?:اقدر|بقدر|نقدر|هقدر) (?:ما|م) ?(?:اجي|نجي|احضر|جيش)", "نعم"),
)  # fmt: skip
# Nothing the guest would rather do, said as a yes: "can't think of anything I'd rather do",
# "no se me ocurre nada mejor", "não há nada que eu prefira", "il n'y a rien de mieux".
NOTHING_BETTER = (
    ("(?:i |we )?(?:can t|cannot|cant|couldn t) (?:think of|imagine) (?:anything|anywhere|"
     "any place|a better (?:way|place|thing|plan))(?: else)?(?: (?:i|we) (?:d|would) rather"
     "(?: (?:do|be))?)?|(?:there s |there is )?(?:nothing|nowhere|no place) (?:else )?"
     "(?:i|we) (?:d|would) rather (?:do|be)", "yes"),
    ("no (?:hay|se me ocurre|se nos ocurre|tengo) (?:nada|ningun (?:lugar|sitio|plan))"
     " (?:mejor|que (?:prefiera|prefieramos))", "por supuesto"),
    ("nao (?:ha|tem|consigo (?:imaginar|pensar em)) (?:nada|lugar|programa) "
     "(?:melhor|que (?:eu )?(?:prefira|preferisse))", "sim"),
    ("(?:il )?(?:n )?y a rien (?:de mieux|que je prefererais)|(?:je ne |je )?vois rien de mieux",
     "oui"),
    ("(?:ما|مافي|ما في|مفيش) (?:شي|اشي|حاجه|مكان) (?:احسن|احلي|افضل) من (?:كذا|هيك|كده|هذا)",
     "نعم"),
)  # fmt: skip
# Which date, not whether: "is it the 14th or the 21st? one of those I'm out of town",
# "uno de esos días trabajo": a condition until the date is known (it depends on the date).
WHICH_DATE = (
    ("one of (?:those|these|them|the two)(?: (?:days|dates|weekends))? .*", "depends"),
    ("(?:uno|una|alguno|alguna) de (?:esos|esas|los dos|las dos)(?: (?:dias|fechas|fines))? .*",
     "depende"),
    ("(?:um|uma) (?:desses|dessas|dos dois|das duas)(?: (?:dias|datas|fins))? .*", "depende"),
    ("(?:l un|l une) (?:des deux|de ces (?:dates|jours|deux)) .*", "ca depend"),
    ("(?:واحد|وحده|يوم) (?:منهم|من الاثنين|من اليومين) .*", "حسب"),
)  # fmt: skip
# "Why not", ending its clause, is a yes ("¡Cómo no! Allí estaremos"); with words after it,
# it asks ("ليش لا تجي؟").
WHY_NOT = (
    ("why not$", "yes"),
    ("(?:por que|porque|como) no$", "por supuesto"),
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
# A "no" the guest was about to say, and did not: "I was gonna say no (bc of work), but I
# swapped my shift", "iba a decir que no", "eu ia dizer que não", "je voulais dire non",
# "كنت هقول لا". It decides nothing; what follows does.
NOT_SAID = (
    ("(?:i don t think )?(?:i ve|i have|we ve|we have) (?:ever |never )?said no(?: to (?:one of )?"
     "your \\S+| to you)?", ""),
    ("(?:i |we )?(?:was|were) (?:gonna|going to|about to) (?:say|tell you|reply) no"
     "|(?:i |we )?(?:almost|nearly) said no", ""),
    ("(?:iba|ibamos|estaba|estuve) (?:a punto de )?(?:a )?(?:decir|decirte|deciros|decirles|"
     "responder|contestar) que no|casi (?:digo|te digo|decimos) que no", ""),
    ("(?:eu )?(?:ia|iamos|estava para|quase) (?:dizer|falar|te dizer|responder|disse)"
     " (?:que )?nao", ""),
    ("(?:je |j |on |nous )?(?:voulais|allais|voulait|allait|voulions|allions|ai failli|"
     "a failli) (?:te |vous )?(?:dire|repondre) (?:que )?non", ""),
    ("(?:كنت|كنا) (?:[هحب]|رح |راح |بدي )?(?:قول|اقول|نقول|اقلك|اقولك|ارد) لا", ""),
)  # fmt: skip
# An answer the guest gave or meant to give earlier, then changed: "I told you no but my trip
# got cancelled", "te dije que sí pero me salió una guardia", "eu tinha dito que não mas",
# "j'avais dit non mais finalement je peux", "كنت قلت ليك لا، ولكن...". It decides nothing;
# what follows does. Said before a contrast, or said as earlier ("had said", "j'avais dit");
# "as I told you, yes" alone stays a yes.
REPORTS = (
    "(?:earlier |before |already )?(?:i |we )?(?:said|told you|told|replied|answered|"
    "had said|d said|had told you|d told you|was gonna say|was going to say|was about to say|"
    "was gonna tell you|was going to tell you|wanted to say|almost said|nearly said)",
    "(?:yo )?(?:te |les |le )?(?:dije|dijimos|conteste|respondi|habia dicho|habiamos dicho|"
    "iba a decir|ibamos a decir|iba a contestar|estaba por decir)(?:te|les|le)?",
    "(?:eu )?(?:te |lhe )?(?:disse|dissemos|falei|respondi|tinha dito|tinha falado|"
    "ia dizer|ia te dizer|ia falar|ia te falar|quase disse|quase falei)",
    "(?:j |je |on |nous )?(?:t |te |vous )?(?:ai dit|avais dit|a dit|avait dit|avons dit|"
    "allais (?:te |vous )?dire|voulais (?:te |vous )?dire|allait (?:te |vous )?dire|"
    "ai failli (?:te |vous )?dire|ai repondu|avais repondu)",
    "(?:كنت |كنا )?(?:قلت|قلتلك|قلتلكم|قلنا|قلنالك|رديت|بدي قلك|بدي قول|بدي اقولك|"
    "هقول|هقولك|حقول|حقولك|رح قلك|رح قول)(?: لك| ليك| ليكم)?",
    "(?:kont |kunt )?(?:9olt|qolt|2olt|olt|2oltlak|oltlak|9oltlik|9oltlek)",
)
EARLIER = "(?:had|d|habia|habiamos|tinha|avais|avait|avions|كنت|كنا|kont|kunt)"
CONTRAST_AHEAD = "(?= (?:but|pero|mas|mais|بس|لكن|ولكن|walakin|bas)(?!\\S))"
REPORTED = tuple((f"{verbs}(?: \\S+){{0,7}}?{CONTRAST_AHEAD}", "") for verbs in REPORTS)
EARLIER_REPORTED = tuple(
    (f"(?=(?:\\S+ ){{0,2}}{EARLIER} ){verbs}(?: \\S+){{0,5}}?$", "") for verbs in REPORTS
)
# A no the guest thought or meant earlier, given up since: "I thought I couldn't make it",
# "ia faltar mas já não", "nada de que no puedo", "كنت مفكر إنو ما رح الحق": what follows
# decides ("... ya moví todo, sí voy!", "بس ألغيت السفرة، جايين").
THOUGHT_EARLIER = (
    ("(?:i |we )?(?:thought|was afraid|were afraid) (?:that )?(?:i |we )?(?:couldn t|wouldn t|"
     "can t|won t|might not|would not|could not)(?: \\S+){0,5}?$", ""),
    ("(?:i |we )?(?:was|were) (?:gonna|going to) (?:miss|skip) (?:it|this)(?: but not anymore)?",
     ""),
    ("(?:pensaba|creia|pense|crei|pensabamos|creiamos) que no(?: \\S+){0,5}?$", ""),
    ("(?:iba|ibamos) a faltar(?: pero ya no)?|nada de (?:que )?no (?:puedo|podemos)", ""),
    ("(?:achei|achava|pensei|pensava|achamos|pensamos) que nao(?: \\S+){0,5}?$", ""),
    ("(?:eu )?(?:ia|iamos) faltar(?: mas ja nao)?|nada de nao (?:posso|podemos)", ""),
    ("(?:je |j |on |nous )?(?:pensais|croyais|pensait|croyait|pensions|croyions) (?:que )?(?:je |"
     "j |on |nous )?(?:ne )?(?:pourrais|pourrait|pourrions|viendrais|viendrait) pas"
     "(?: \\S+){0,5}?$", ""),
    ("(?:je |on |nous )?(?:pensais|croyais|pensait|croyait|pensions) pas (?:pouvoir|venir|"
     "etre la)(?: \\S+){0,5}?$", ""),
    ("(?:je |j |on |nous )?(?:devais|allais|devait|allait) (?:pas venir|rater|manquer)"
     "(?: mais plus maintenant)?", ""),
    ("(?:كنت|كنا) (?:مفكر|مفكره|مفكرين|فاكر|فاكره|فاكرين|متوقع|متوقعه|حاسب|حاسبه|ظننت)"
     "(?: \\S+){0,6}?$", ""),
)  # fmt: skip
# Neither the guest nor their partner: "neither of us can", "ninguno de los dos puede",
# "nenhum de nós vai conseguir", "aucun de nous deux ne pourra": the guest's own no.
NONE_OF_US = (
    ("(?:neither|none) of us (?:can|could|will|is|are|would)", "we can t"),
    ("(?:ninguno|ninguna|ni uno) de (?:los dos|las dos|nosotros|nosotras)(?: dos)? "
     "(?:puede|podra|podemos|podremos|va|vamos|ira|iremos|llega)", "no podemos"),
    ("(?:nenhum|nenhuma) (?:de nos|dos dois|das duas)(?: dois| duas)? "
     "(?:pode|podera|vai|vamos|consegue|conseguimos|conseguira)", "nao podemos"),
    ("(?:aucun|aucune) de nous(?: deux)? (?:ne |n )?(?:pourra|peut|pourrons|pouvons|viendra|"
     "sera|ira)", "nous ne pourrons pas"),
    ("(?:ولا|لا) (?:واحد|حد|احد) (?:فينا|منا) (?:يقدر|بيقدر|قادر|راح|رح)", "ما نقدر"),
)  # fmt: skip
# A few minutes late is no doubt about coming: "might be 5 mins late", "peut-être 10 minutes
# en retard", "quizás 10 minutos tarde", "talvez uns 10 minutos atrasado".
MINUTES = "(?:(?:a )?(?:few|couple|\\d+|\\w+) (?:mins?|minutes?|minutos?)|\\d+ ?mn)"
# A little late, said without minutes: "a bit late", "un poil en retard", "un poco tarde".
MINUTES = (
    f"(?:{MINUTES}|a (?:bit|little|tad)|(?:un|um) (?:poil|peu|chouia|poco|pelin|pouco"
    "|bocadinho|pouquinho|poquito)|legerement)"
)
LATE = (
    (f"(?:might|may|could|maybe|probably) (?:be |arrive |get there )?(?:about |around |like )?"
     f"{MINUTES} late", "late"),
    (f"(?:quizas|quiza|tal vez|a lo mejor|capaz|igual) (?:llegue |llegamos |lleguemos )?"
     f"(?:unos |como )?{MINUTES} (?:tarde|de retraso)", "tarde"),
    (f"(?:talvez|se calhar|capaz) (?:chegue |chego |chegamos )?(?:uns |umas )?{MINUTES} "
     f"(?:atrasad[oa]s?|de atraso)", "atrasado"),
    (f"(?:peut etre|surement|ptet) (?:avec )?(?:un retard de {MINUTES}|{MINUTES} (?:en retard|"
     f"de retard))", "en retard"),
    # the time of arrival hedged, not the coming: "so maybe around 7:30", "maybe 9 plus",
    # "quizás a las 9", "talvez lá pelas 9", "peut-être vers 21h", "يمكن اتأخر شوي"
    ("(?:so |but )?(?:maybe|probably|prob|might be) (?:(?:around|about|at|by|like|after) \\d+"
     "(?: \\d+)?(?: ?(?:pm|am|plus|ish|or so))?|\\d+(?: \\d+)? ?(?:pm|am|plus|ish|o clock))",
     "late"),
    ("(?:(?:quizas|quiza|tal vez|a lo mejor|capaz|igual) )(?:llegue |llegamos |lleguemos )?"
     "(?:a eso de |como a |a )?las \\d+(?: \\d+)?", "tarde"),
    ("(?:talvez|se calhar|capaz) (?:chegue |chego |chegamos )?(?:la )?(?:pelas|as|perto das) "
     "\\d+(?: \\d+)?", "atrasado"),
    ("(?:peut etre|ptet) (?:vers|a|pour) \\d+ ?h?(?: ?\\d+)?", "en retard"),
    ("(?:بس )?(?:يمكن|ممكن|ربما|يمكن انو|ممكن اني) ?[\u0627\u0646]?(?:تاخر|اتاخر|نتاخر|اتأخر|نتأخر)"
     "(?: شوي| شويه| شوية| شوي بس| قليلا| شويتين)?", "late"),
    ("(?:bas )?(?:yemken|yimkin|momken|mumkin) (?:at2a5ar|n2a5ar|et2a5ar|nt2a5ar)(?: shway)?",
     "late"),
)  # fmt: skip
# Going to pass, said with a coming verb ("we're going to give this one a miss", "vamos a
# pasar esta vez", "on va passer notre tour"): the no it is, not a "going".
PASSING = (
    ("(?:we re|we are|i m|i am|we|i)? ?(?:going to|gonna) (?:give (?:it|this one|this|that)"
     " a miss|pass(?: on (?:this|it|this one))?|sit (?:this one|it) out|skip (?:this one|it|this))",
     "give it a miss"),
    ("(?:voy|vamos) a pasar(?: esta vez| por esta vez| de esta)?", "no"),
    ("(?:vou|vamos) passar(?: desta vez| esta vez| essa)", "nao"),
    ("(?:je vais|on va|nous allons|je vas|je|on|nous) (?:passer|passe|passons) (?:mon|notre) tour",
     "non"),
    # "I'd be lying if I said I could make it": the no it says
    ("(?:i d|i would|we d|we would) be lying if (?:i|we) (?:said|told you) (?:i|we) (?:could|can"
     "|would|will)(?: make it| come| be there)?", "can t"),
    ("(?:mentiria|te mentiria) si (?:te )?dijera que (?:puedo|podria|voy)(?: ir)?", "no"),
    ("(?:estaria a mentir|mentiria) se (?:te )?dissesse que (?:posso|podia|vou)(?: ir)?", "nao"),
    ("(?:je )?(?:mentirais|te mentirais) si (?:je )?(?:te )?disais que (?:je )?(?:peux|pourrais|"
     "viens)(?: venir)?", "non"),
)  # fmt: skip
# Someone else answering through the guest, a yes: "my dad says he'll come", "mi papá dice que
# sí va", "a minha mãe disse que vem", "mon père a dit qu'il vient", "امي بتقول رح تيجي".
SAYS_COMING = (
    ("(?:says|said) (?:that )?(?:she|he) (?:ll|will|s|is) (?:come|coming|be there|make it)", "yes"),
    ("(?:dice|dijo) que (?:si )?(?:va|viene|vendra|ira)", "si"),
    ("(?:diz|disse|falou) que (?:sim )?(?:vem|vira|vai)(?: sim)?", "sim"),
    ("(?:dit|a dit) (?:qu elle|qu il) (?:vient|viendra|sera la)", "oui"),
    ("(?:بتقول|بيقول|تقول|يقول|قالت|قال) (?:انها |انه )?(?:رح |ح |\u0647)?"
     "(?:تيجي|يجي|تجي|جايه|جاي)", "نعم"),
)  # fmt: skip
# The next one promised, not this one: "not this time, but next one for sure", "esta vez paso,
# pero la próxima sí", "fica para a próxima", "la prochaine fois sans faute", "المرة الجاية
# أكيد": its yes is for another day, and is taken out.
NEXT_TIME = (
    ("(?:but )?(?:the )?next (?:one|time) (?:for sure|definitely|deffo|def|sure|i promise|yes"
     "|promise)", ""),
    ("(?:pero )?(?:la )?proxima(?: vez)? (?:si$|seguro|sin falta|fijo|lo prometo|claro)", ""),
    ("(?:mas )?(?:a |na |da )?proxima(?: vez)? (?:sim|com certeza|sem falta|prometo)", ""),
    ("(?:mais )?(?:la |a la )?prochaine(?: fois)? (?:oui|sans faute|c est sur|promis"
     "|c est promis)", ""),
    ("(?:بس |لكن )?(?:ال)?مر[هة] (?:ال)?(?:جايه|جاية|الجاي[هة]|القادم[هة]) (?:اكيد|ان شاء الله"
     "|اوعدك)", ""),
)  # fmt: skip
# Leaving early is no doubt about coming: "might have to leave by 9", "tendré que irme
# temprano", "vou ter que sair cedo", "je devrai partir tôt".
LEAVING = "(?:early|earlier|a bit early|by \\S+|at \\S+|before \\S+|around \\S+)"
LEAVING_EARLY = (
    (f"(?:might|may|could|will|ll|probably|prob) (?:have to |need to |be )?(?:leave|head off|"
     f"head out|leaving|heading off) {LEAVING}", "late"),
    ("(?:quizas |tal vez |capaz |igual )?(?:tenga|tengo|tendre|tendremos|tengamos) que "
     "(?:irme|irnos|salir|marcharme|marcharnos) (?:temprano|antes|pronto|a las \\S+)", "tarde"),
    ("(?:talvez |se calhar )?(?:tenha|tenho|terei|vou ter|vamos ter|tenhamos) (?:que|de) "
     "(?:sair|ir embora|vir embora) (?:cedo|mais cedo|as \\S+|antes \\S+)", "atrasado"),
    ("(?:je |j |on |nous )?(?:devrai|devra|devrais|devrons|dois|doit|vais devoir|va devoir) "
     "(?:partir|filer|y aller|repartir) (?:tot|plus tot|avant \\S+|vers \\S+)", "en retard"),
)  # fmt: skip
# A part of the day missed, the rest attended: "can't make the arvo bit but we'll rock up for
# the dinner", "no sé si llegamos a la ceremonia, seguro a la fiesta sí": the part is no answer.
PART = "(?:ceremonia|misa|iglesia|boda civil|cerimonia|missa|igreja|ceremonie|messe|mairie)"
PART_OF_THE_DAY = (
    ("(?:can t|cant|cannot|won t|wont|might not|may not|probably won t|not sure we ll|not sure "
     "i ll|not sure i can) make (?:it to )?the (?:\\w+ )?(?:bit|part|ceremony|church|service|vows)",
     ""),
    ("(?:(?:i ll|we ll|will|might|may) )?(?:have to )?(?:miss|skip) the (?:\\w+ )?(?:bit|part|"
     "ceremony|church|service|vows)", ""),
    ("(?:no se si|no creo que|creo que no|no) (?:llego|llegamos|lleguemos|llegue|vamos|voy|"
     "vaya|vayamos|"
     f"podemos ir|puedo ir|alcanzo|alcanzamos|lleguemos) a (?:la )?{PART}", ""),
    ("(?:nao sei se|nao) (?:chego|chegamos|vou|vamos|consigo ir|conseguimos ir|consigo chegar) "
     f"(?:a|na|para a|pra) {PART}", ""),
    ("(?:je sais pas si |je ne sais pas si |on sait pas si )?(?:je |j |on |nous )?(?:ne )?"
     "(?:pourrai|pourra|peux|peut|pourrons|serai|sera|serons|arriverai|arrivera) pas "
     f"(?:venir |etre la |etre )?(?:a|pour) la {PART}", ""),
    ("(?:ما|مش|مو) ?(?:رح |راح |[\u062d\u0647\u0628])?(?:نلحق|الحق|نقدر نحضر|اقدر احضر|نحضر|"
     "احضر) "
     "(?:كتب الكتاب|الكتاب|العقد|عقد القران|الزفه|الكنيسه|المراسم)", ""),
)  # fmt: skip
NOT_A_NAME = _any("i", "we", "you", "it", "that", "this", "there", "which", "work", "time",
                  "what", "who", "one", "yo", "eu", "je", "j", "on", "nous", "ca", "cela",
                  "isso", "isto", "eso", "esto", "nada", "nao", "no", "ne", "n", "nothing",
                  "nobody", "none", "neither", "rien", "personne", "aucun", "aucune", "nadie",
                  "ninguno", "ninguna", "ninguem", "nenhum", "nenhuma")  # fmt: skip
# Someone named, as a clause of their own, not coming beside the guest's yes: "Eu vou, o Zé
# não", "a Ana não vem", "sauf Marc": it is taken out (the article says a person).
NAMED_NOT = (
    ("(?:e |mas )?(?:o|a) (?!" + NOT_A_NAME + " )\\w+ nao(?: vai| vem| pode| consegue)?$", ""),
    ("(?:pero |y )?(?:el|la) (?!" + NOT_A_NAME + " )\\w+ no(?: va| viene| puede)?$", ""),
    (
        "mais sans (?!"
        + _any(
            "faute",
            "probleme",
            "souci",
            "soucis",
            "doute",
            "hesiter",
            "facon",
            "rien",
            "moi",
            "toi",
            "vous",
            "eux",
            NOT_A_NAME,
        )
        + "$)[a-z]\\w+$",
        "",
    ),
)
# Every way of saying a yes in words that point the other way, with what it is said as.
NOT_MISSING_SAID = (
    *NOT_MISSING,
    *CANNOT_REFUSE,
    *HOW_NOT,
    *NOTHING_BETTER,
    *WHICH_DATE,
    *NOTHING_STOPS,
    *WHY_NOT,
    *CANCELLED_ELSE,
    *NOT_SAID,
    *REPORTED,
    *EARLIER_REPORTED,
    *NONE_OF_US,
    *LATE,
    *LEAVING_EARLY,
    *PART_OF_THE_DAY,
    *THOUGHT_EARLIER,
    *YES_AND_NO,
    *JUST_DONE,
    *NEXT_TIME,
    *NAMED_NOT,
    *PASSING,
    *SAYS_COMING,
)
NOT_MISSING_PATTERNS = tuple(
    (re.compile(f"(?<!\\S){pattern}(?!\\S)"), yes) for pattern, yes in NOT_MISSING_SAID
)
# Any of them: one search settles most clauses, which none of the patterns above touches (the
# start of a word checked once, before the alternatives rather than in each).
ANY_NOT_MISSING = re.compile(
    "(?<!\\S)(?:" + "|".join(f"(?:{pattern})(?!\\S)" for pattern, _ in NOT_MISSING_SAID) + ")"
)

# The guest somewhere else, a place named with a capital: "I'm in Bali that week", "estaré en
# Londres", "vou estar em São Paulo", "je serai à Lyon ce jour-là". Read on the written clause
# (the capital says a place) and said as the language's "away"; not when the trip is for the
# event ("we'll be in Lisbon for the wedding").
PLACE = "[A-ZÀ-Ý][\\w'-]*"
FOR_IT = (
    "(?![^.,;!?]*\\b(?i:for|para|pra|pour) "
    "(?i:the(?! (?:whole|entire|rest|week|month|weekend|summer)\\b)|it|your|you|la|el|tu|los|"
    "o|a|seu|sua|le|ton|ta|votre|vous)\\b)"
)
ELSEWHERE = tuple(
    (re.compile(f"(?<!\\w)(?i:{verbs}) {PLACE}{FOR_IT}"), away)
    for verbs, away in (
        ("i ?'?m in|i am in|i ?'?ll be in|i will be in|we ?'?re in|we are in|we ?'?ll be in|"
         "we will be in|(?:gonna|going to) be in|im in", "I'll be away"),
        ("(?:estar[ée]|estoy|estaremos|estamos|voy a estar|vamos a estar|ando) en", "estaré fuera"),
        ("(?:vou estar|estarei|estou|estaremos|vamos estar|estamos|t[ôo]|tou) (?:em|no|na|nos|nas)",
         "estarei fora"),
        ("(?:je serai|j ?'?serai|je suis|on sera|on est|nous serons|nous sommes|je vais [êe]tre|"
         "on va [êe]tre) (?:à|a|en|au|aux)", "je serai absent"),
    )
)  # fmt: skip


def elsewhere(clause: str) -> str:
    """A written clause with the guest's being in a named place said as "away"."""
    for pattern, away in ELSEWHERE:
        clause = pattern.sub(away, clause)
    return clause


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
            "عندهم شغل", "works", "is working", "s working", "trabaja", "labura", "curra",
            "chambea", "trabalha", "bosse", "taffe", "est au travail", "خدام", "خدامه",
            "يشتغل", "تشتغل", "بيشتغل", "بتشتغل", "عنده دوام", "عندها دوام",
            "مناوب\\w*", "de turno", "de guardia", "de plantao", "de garde")  # fmt: skip
CONTRASTS = _any("but", "pero", "mas", "mais", "par contre", "بس", "لكن", "ولكن", "aunque",
                 "although", "though", "embora", "solo que", "so que", "sauf que",
                 "bien que")  # fmt: skip
# Arabic negations written onto their verb: "مايقدر", "مش جاية".
ATTACHED = "(?:ما|مش|مو|مب|لا|لن)\\S+"
# After a contrast too ("yes, but my wife can't"): the contrast stays, the refusal goes.
OTHERS_REFUSING = re.compile(
    f"(?:^|(?<!\\S)(?={CONTRASTS} ))((?:{CONTRASTS} )?)"
    f"(?:(?:and|y|e|et) )?(?:{DETERMINERS} ){{0,2}}{OTHERS}"
    f"(?: (?:and|y|e|et|&) (?:{DETERMINERS} ){{0,2}}{OTHERS})*(?: \\S+){{0,2}} "
    f"(?:(?:{REFUSING}|{AWAY})(?!\\S)|{ATTACHED}).*?(?= {CONTRASTS} |$)"
)
# Someone named, after a contrast, with a verb that is not the guest's: "but Josh can't",
# "pero Juan no puede", "mas o Paulo não vai", "mais Marc ne pourra pas".
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
    if ANY_NOT_MISSING.search(normalized):
        for pattern, yes in NOT_MISSING_PATTERNS:
            normalized = pattern.sub(yes, normalized)
    normalized = OTHERS_REFUSING.sub(_unless_self, normalized)
    return NAMED_REFUSING.sub(_contrast_only, normalized)


def others_kept_away(normalized: str, after_another: bool = False) -> bool:
    """Whether a normalised clause says, after a contrast or opening it, that someone else is
    not coming ("I'll come but my husband can't", "yo voy pero mi marido no puede", "but Josh
    can't"); opening it, when a contrast follows or another clause came before ("mi marido
    trabaja pero yo voy", "moi je viens, mon mari par contre ne peut pas"), not alone ("ma
    fille est malade, on doit rester")."""
    others = any(
        (found[1] or (found.start() == 0 and (after_another or found.end() < len(normalized))))
        and SELF.isdisjoint(found[0].split())
        for found in OTHERS_REFUSING.finditer(normalized)
    )
    return others or NAMED_REFUSING.search(normalized) is not None


def someone_else_refuses(normalized: str) -> bool:
    """Whether a normalised message says, after a contrast, that someone else is not coming
    ("I'll come but my husband can't, he's on nights"): unlike `others_kept_away`, the words
    after the refusal never count as the guest's (French "on" in "on nights")."""
    others = any(found[1] for found in OTHERS_REFUSING.finditer(normalized))
    return others or NAMED_REFUSING.search(normalized) is not None


def _contrast_only(named: re.Match[str]) -> str:
    """A named person's refusal taken out, its contrast kept."""
    return next(group for group in named.groups() if group)


def _unless_self(others: re.Match[str]) -> str:
    """Someone else's refusal taken out, its contrast kept, unless the guest is among them."""
    return others[1] if SELF.isdisjoint(others[0].split()) else others[0]
