"""The words the head-count reader knows (en/es/pt/ar/fr, Arabizi), in normal form.

`heads` reads messages with them: numbers, what comes before and after a number, leads that
say who is coming ("seremos", "on va être"), companions ("my wife", "la patrona", "مراتي"),
the guest beside them ("me and", "with"), and "just me".
"""

from __future__ import annotations

import re
from types import MappingProxyType

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
    "عشره": 10, "عشر": 10, "جوج": 2, "ربعه": 4, "tnin": 2, "tneen": 2, "tlata": 3,
    "talata": 3, "arba3a": 4, "arb3a": 4, "khamsa": 5, "sitta": 6, "wa7ed": 1, "wahed": 1,
    "etnein": 2, "itnein": 2, "etneen": 2, "itneen": 2, "tnein": 2, "ithnain": 2,
    "tlatha": 3, "talateh": 3, "تنين": 2,
})  # fmt: skip

# Words before a number that say the number is not heads ("at 8", "mesa 5", "le 12").
BEFORE_OTHER = frozenset(
    ("at", "a", "las", "la", "as", "el", "le", "on", "the", "dia", "day", "table", "mesa",
     "room", "sala", "quarto", "habitacion", "chambre", "salle", "numero", "number", "no",
     "num", "nr", "n", "by", "before", "after", "until", "till", "from", "de", "hasta", "ate",
     "vers", "hacia", "desde", "depuis", "jusqu", "jusqu a", "الساعه", "ساعه", "للساعه", "لساعه",
     "طاوله", "الطاوله", "رقم", "يوم", "بعد", "قبل", "sa3a", "el sa3a",
     # Arabic and Arabizi "from", "after", "before", "at", "around" a time: "men 8", "3al 9"
     "من", "عال", "علي", "حوالي", "حول", "men", "mn", "min", "ba3d", "ba3ed", "2abl", "abl",
     "9bel", "qbel", "3al", "3ala", "3la", "7awali", "hawali",
     # a weekday before a number is a date ("à samedi 14", "el sábado 3")
     "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "lunes",
     "martes", "miercoles", "jueves", "viernes", "sabado", "domingo", "segunda", "terca",
     "quarta", "quinta", "sexta", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
     "dimanche", "السبت", "الاحد", "الثلاثاء", "الاربعاء", "الخميس", "الجمعه")
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
     "ضيوف", "نفر", "heads", "ديال الناس", "دالناس", "من الناس", "انفار", "نفوس",
     # a total, and places at table: "4 no total", "dos cubiertos", "3 couverts"
     "in total", "total", "in all", "altogether", "en total", "en tout", "au total",
     "no total", "ao todo", "cubiertos", "couverts", "talheres", "lugares", "بالمجموع",
     "في المجموع")
)  # fmt: skip
# Companions counted in addition to the number before them ("with 2 kids": 3 in all).
MORE_PEOPLE = frozenset(
    ("kids", "children", "friends", "others", "hijos", "ninos", "amigos", "amigas", "babies",
     "bebes", "ninas", "chicos", "peques", "menores", "meninos", "meninas", "miudos",
     "petits", "عيال", "baby", "bebe", "kid", "child", "nino", "crianca", "enfant", "طفل",
     "acompanantes", "filhos", "filhas", "hijas", "filles", "criancas", "acompanhantes",
     "enfants", "amis", "amies",
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
        "nous viendrons a", "nous venons a", "on va etre", "nous allons etre",
        "we re going to be", "we are going to be", "we re gonna be",
        "سنحضر", "سنكون", "نحن", "احنا", "حنكون", "بنكون", "راح نكون", "نكون", "عددنا",
        "سناتي", "جايين", "حنيجي", "بنجي", "نحنا", "حنا", "هنكون", "رح نكون", "نجيو",
        "غادي نجيو", "هنيجي", "e7na", "i7na", "ne7na", "njiw", "jayin", "jayeen",
        # in the conditional, beside a maybe: "seríamos dos", "on serait deux", "منكون تنين"
        "seriamos", "we d be", "we would be", "nous serions", "on serait", "منكون",
        "نكونو", "غادي نكونو",
        # a count said to the organiser: "put me down for two", "make it three"
        "put me down for", "put us down for", "make it", "count me in for", "count us in for",
        "put me down as", "put us down as", "mark us down as", "mark us as", "count us as",
        "anotanos", "apuntanos", "ponnos", "anotame como", "marca ai", "coloca ai", "mets nous",
        "compte nous", "comptez nous", "سجلنا", "حطنا",
        # a total said after the people: "mi mamá y mi tía, o sea tres"
        "o sea", "es decir", "ou seja", "quer dizer", "c est a dire", "soit", "so that s",
        "that s", "يعني",
    )
)  # fmt: skip
LONGEST_LEAD = max(len(lead) for lead in LEADS)
# Two people, said as such ("both of us", "nosotros dos", "nous deux", "شخصين").
PAIRS = frozenset(
    tuple(phrase.split())
    for phrase in ("both of us", "the two of us", "the 2 of us", "nosotros dos", "nosotras dos",
                   "los dos", "nos dois", "nos duas", "os dois", "nous deux", "tous les deux",
                   "toutes les deux", "شخصين", "نحن الاثنين", "احنا الاثنين", "انا وزوجتي",
                   "we both", "us both", "a deux", "a nous deux", "en pareja", "em casal",
                   "en couple", "as a couple")
)  # fmt: skip
LONGEST_PAIR = max(len(pair) for pair in PAIRS)
POSSESSIVES = frozenset(
    (
        # "your" too: a grandmother writing "con su tío", "avec ton oncle", "com o seu avô"
        # brings her husband, the addressee's relative
        "your",
        "su",
        "tu",
        "seu",
        "sua",
        "ton",
        "ta",
        "votre",
        "my",
        "mi",
        "meu",
        "minha",
        "mon",
        "ma",
        "our",
        "nosso",
        "nossa",
        "nuestro",
        "nuestra",
        "notre",
        "the",
        "a",
        "an",
        "la",
        "el",
        "o",
        "le",
        "un",
        "una",
        "um",
        "uma",
        "une",
        # plural, before a number of people: "eu e meus dois filhos", "moi et mes deux enfants"
        "meus",
        "minhas",
        "mis",
        "mes",
        "nos",
        "nossos",
        "nuestros",
    )
)
# An article before a possessive ("com a minha namorada", "con la mía"): skipped.
ARTICLES = frozenset(("a", "o", "la", "el", "the"))
# A little one ("le petit", "la nena"): a companion only where its phrase ends ("avec le
# petit", not "avec un petit cadeau").
SMALL = frozenset(("petit", "petite", "peque", "nene", "nena", "pequeno", "pequena",
                   "menino", "menina", "bebe", "nino", "nina", "enfant"))  # fmt: skip
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
     "fiance", "fiancee", "cavalier", "cavaliere",
     "missus", "missis", "misses", "hubby", "wifey", "bf", "gf", "oga", "pololo", "polola",
     "patrona", "patroa", "blonde", "chum", "moitie", "cherie", "cheri", "epouse", "epoux",
     "conjuge", "amor", "babe", "bae",
     # relatives and regional words for a partner: "my cousin", "mi tía", "a minha dama"
     "cousin", "aunt", "auntie", "uncle", "niece",
     "nephew", "mama", "mother in law", "tia", "tio", "suegra", "suegro",
     "sobrina", "sobrino", "prima", "flaca", "flaco", "jeva", "sogra", "sogro",
     "sobrinha", "sobrinho", "dama", "cousine", "tante", "oncle", "niece",
     "neveu", "compadre", "comadre", "compa", "kota", "primo", "companero", "companera",
     *SMALL)
)  # fmt: skip
# Arabic says "my wife" in one word: زوجتي (with "and", وزوجتي).
ARABIC_COMPANIONS = frozenset(
    ("زوجتي", "زوجي", "خطيبي", "خطيبتي", "ابني", "بنتي", "ابنتي", "اخوي", "اخي", "اختي",
     "صديقي", "صديقتي", "امي", "ابوي", "ابي", "رفيقي", "رفيقتي", "مرتي", "حرمي", "مراتي",
     "جوزي", "المدام", "راجلي", "mrati", "marti", "mreti", "zawjti", "zawji", "jozi", "goozi",
     "خويا", "خوي", "اخويا", "صاحبي", "صاحبتي", "ختي", "صحبتي", "khoya", "khouya", "khuya",
     "sa7bi", "sahbi", "s7abi", "sa7bti", "sahbti", "khti", "o5ti", "okhti", "a5oy", "akhoya",
     "والدتي", "والدي", "عمتي", "خالتي", "جدتي", "حماتي", "عمي", "خالي", "جدي", "ماما",
     "zouji", "zoji", "zojti", "zoujti", "mirati", "marati", "a5oya", "o5ty", "5alti",
     "5ali", "3amti", "3ammi", "mama", "baba", "teta", "khalti", "khali", "rajli", "rajel")
)  # fmt: skip
# Arabic says "my brothers", "my sons" in one word; the number after them counts them ("أنا
# واخواني الثلاثة", "أنا وابناي الاثنان").
ARABIC_PLURAL_COMPANIONS = frozenset(
    ("اخواني", "اخوتي", "اخواتي", "ابنائي", "ابناي", "ابنيي", "اولادي", "ولادي", "بناتي",
     "اصحابي", "صحابي", "اصدقائي", "عيالي", "اطفالي", "خواتاتي", "خوتي")
)  # fmt: skip
# Words that put the guest beside their companions: "me and my wife", "con mi pareja",
# "my wife and I", "أنا وزوجتي".
SELF = frozenset(("me", "i", "myself", "yo", "eu", "moi", "je", "انا", "ana"))
# Verbs of bringing, and "with me", before companions or a number ("bringing my boyfriend",
# "ومعايا واحد"): those people come besides the guest.
BRINGS = frozenset(("bringing", "bring", "brings", "llevo", "traigo", "llevare", "traere",
                    "levo", "trago", "levarei", "trarei", "amene", "emmene", "amenerai",
                    "emmenerai", "جايب", "جايبه", "بجيب", "حجيب", "هجيب", "ومعايا", "معايا",
                    "ومعاي", "معاي", "ومعي", "معي", "m3aya", "m3ana", "ma3aya"))  # fmt: skip
# Words before a bringing verb that make it no statement ("can I bring", "not bringing").
NOT_BRINGING = frozenset(("can", "could", "may", "might", "i", "if", "to", "should", "not", "t",
                          "cant", "no", "nao", "pas", "ne", "ما", "مش", "لن", "مو"))  # fmt: skip
WITH = frozenset(("with", "con", "com", "avec", "مع", "ومعي", "معي", "plus", "mas", "mais",
                  "m3a", "ma3a", "ma3", "برفقه", "رفقه", "بصحبه"))  # fmt: skip
AND = frozenset(("and", "y", "e", "et", "&", "و", "w", "pis", "n"))
SOLO = frozenset(
    tuple(phrase.split())
    for phrase in (
        "just me", "only me", "only i", "just i", "me alone", "just myself", "by myself",
        "on my own", "alone",
        "solo yo", "yo solo", "yo sola", "voy solo", "voy sola", "ire solo", "ire sola",
        "vengo solo", "vengo sola", "solamente yo", "nada mas yo", "sin acompanante",
        "so eu", "apenas eu", "somente eu", "eu sozinho", "eu sozinha", "sozinho", "sozinha",
        "sem acompanhante",
        "juste moi", "moi seul", "moi seule", "seulement moi", "que moi", "viens seul",
        "viens seule", "serai seul", "serai seule", "sans accompagnant", "viendrai seul",
        "viendrai seule", "venir seul", "venir seule", "irai seul", "irai seule",
        "بس انا", "انا بس", "انا فقط", "فقط انا", "لوحدي", "وحدي", "بمفردي", "لحالي",
        "غير انا", "بروحي", "bas ana", "ana bas", "bass ana", "ghir ana", "wa7di", "lwa7di",
        "just be me", "be just me", "only be me", "be only me", "yo no mas", "yo nomas",
        "solo voy yo", "voy yo nomas", "so vou eu", "vou so eu", "il n y aura que moi",
        "y aura que moi", "ce sera juste moi", "غير انا بوحدي", "انا بس اللي جاي",
    )
)  # fmt: skip
LONGEST_SOLO = max(len(solo) for solo in SOLO)
# Words worth a closer look: a message with none of them (and no digit) states no party.
# Leads need a number after them, so the numbers stand for them.
CUES = (
    frozenset(NUMBER_WORDS) | PEOPLE | MORE_PEOPLE | COMPANIONS | ARABIC_COMPANIONS
    | {"\u0648" + word for word in ARABIC_COMPANIONS} | {"both", "شخصين", "الاثنين"} | BRINGS
    | {"\u0627\u0644" + word for word, value in NUMBER_WORDS.items() if value > 1}
    | {"just", "only", "alone", "myself", "own", "solo", "sola", "solamente", "acompanante",
       "so", "apenas", "somente", "sozinho", "sozinha", "acompanhante", "juste", "seul",
       "seule", "seulement", "accompagnant", "بس", "فقط", "لوحدي", "وحدي", "بمفردي", "لحالي",
       "غير", "بروحي", "bas", "bass", "ghir", "wa7di", "lwa7di", "ana", "nomas", "yo"}
)  # fmt: skip
# One child after the adults: "2 adultes et un enfant", "٢ كبار وطفل".
KID = frozenset(("kid", "child", "baby", "toddler", "nino", "nina", "nene", "nena", "bebe",
                 "crianca", "menino", "menina", "enfant", "petit", "petite", "طفل", "طفله",
                 "بيبي", "ولد", "بنت", "عيل"))  # fmt: skip
# Adults, to whom the kids counted after them are added ("2 adultes et 2 enfants": 4).
ADULTS = frozenset(("adults", "adult", "adultos", "adulto", "adultes", "adulte", "grownups",
                    "كبار", "بالغين"))  # fmt: skip
# A name beside the guest: "me and Sarah", "eu e o Lucas", "yo y María", "Paul et moi".
NAME = r"[A-ZÀ-Ý][a-zà-ÿ]+"
NAMED = re.compile(
    rf"\b(?:[Mm]e|I|[Yy]o|[Ee]u|[Mm]oi|[Mm]yself) (?:and|y|e|et|&) (?:(?:o|a|la|el) )?({NAME})"
    rf"|\b({NAME}) (?:and|y|e|et|&) (?:I|me|yo|eu|moi)\b"
    # after coming "with" someone: "je viens avec Thomas", "ahí estaremos con Juli"
    rf"|\b(?:[Cc]oming|[Cc]ome|[Vv]oy|[Vv]amos|[Ee]staremos|[Ee]star[ée]|[Vv]ou|[Ee]starei|"
    rf"[Vv]iens|[Vv]iendrai|[Vv]enons|[Ss]erai|[Ss]era|there|ah[ií]|l[aá]|l[àa]|all[ií]) "
    rf"(?:with|con|com|avec) (?:(?:o|a|la|el) )?({NAME})\b"
)
# Capitalised words after "me and" that are not names ("me and My wife", "eu e A Maria").
NOT_NAMES = (
    POSSESSIVES | COMPANIONS | MORE_PEOPLE | frozenset(NUMBER_WORDS)
    | {"i", "me", "myself", "yo", "eu", "moi", "je"}  # not SELF: Ana is a name
    | {"we", "you", "the", "all", "family", "familia", "famille", "yes", "si", "sim", "oui",
       "thanks", "thank", "merci", "gracias", "obrigado", "obrigada", "claro", "sure", "ok",
       "okay", "perfect", "great", "bien", "vale", "bom", "super", "hello", "hi", "hola",
       "oi", "salut", "bonjour", "dear", "god", "dios", "deus", "dieu", "allah", "love",
       "pleasure", "plaisir", "gusto", "prazer", "joie", "bells", "everyone", "todos", "tous"}
)  # fmt: skip
