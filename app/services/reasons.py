"""Reasons a guest is kept away on the day, by language (en/es/pt/ar/fr), said without a no.

"We'll be abroad that week", "ese día me opero", "estou de serviço", "عندي عرس ختي", "je suis
au village pour les funérailles": a trip or a stay away, a shift or a duty, surgery or a
hospital, exams, another wedding or a funeral, being ill or short of money. A message whose
only content is such a reason (with or without an apology) declines; beside an answer it
decides nothing ("my shift ends at 9 but I'll come" is a yes, "if my flight lands in time" a
doubt), and an attendance verb right before it is its verb ("estaremos de viaje", "going to
be abroad"), not a yes (`sentences`). Same normal form as `phrases`.
"""

from __future__ import annotations

from app.services.phrases import Role

# Words between an attendance verb and its reason: "going to be abroad", "vamos estar fora".
LINKS = frozenset(("to", "be", "a", "estar", "etre", "ser"))

REASONS: dict[Role, dict[str, tuple[str, ...]]] = {
    Role.REASON: {
        "en": ("abroad", "overseas", "on a trip", "on a business trip", "away on business",
               "away that", "away for", "away on", "out of state", "on nights",
               "on night shift", "working nights", "working that day", "working that night",
               "working that weekend", "work that day", "working the", "my shift",
               "a shift", "double shift", "on duty", "on shift", "night shift", "on call",
               "on duty that", "on call that", "my exams",
               "have exams", "exams that", "exams on", "exams are going on", "exams going on",
               "be out of town", "an exam", "my exam", "my finals", "finals week",
               "exam week", "have surgery", "having surgery", "got surgery", "surgery that",
               "my surgery", "an operation", "my operation",
               "in hospital", "in the hospital", "at the hospital", "hospitalised",
               "hospitalized", "a wedding", "cousin s wedding", "brother s wedding",
               "sister s wedding", "friend s wedding", "a funeral", "funeral that",
               "on honeymoon", "on our honeymoon", "honeymoon that", "i m sick", "i m ill",
               "we re sick", "we re ill", "i m unwell",
               "sick that", "got covid", "have covid", "have the flu", "got the flu",
               "with the flu",
               "double booked", "clashes with", "clash with", "same day as", "due date",
               "baby is due", "baby s due", "i m broke", "we re broke", "skint",
               "moving house", "on tour", "deployed", "a conference", "at a conference",
               "flying out", "out of the country that", "s graduation", "a graduation",
               "my graduation", "s christening", "a christening", "s birthday party",
               "rostered on", "hour shift", "stag do", "hen do", "bachelor party",
               "bachelorette party", "work conference", "at my in laws"),
        "es": ("de viaje", "estaremos de viaje", "estaremos en el extranjero",
               "en el extranjero", "fuera del pais", "fuera de la ciudad ese",
               "de luna de miel", "luna de miel", "de turno", "de guardia", "tengo turno",
               "estoy de turno", "tengo guardia", "estoy de guardia", "me toca turno",
               "me toca guardia", "turno de noche",
               "ese dia trabajo", "ese dia laburo", "ese dia curro", "laburo ese dia",
               "curro ese dia", "me opero", "me operan", "me van a operar", "me opera",
               "tengo una operacion", "tengo cirugia", "tengo una cirugia", "en el hospital",
               "internado", "internada", "hospitalizado", "hospitalizada", "tengo examen",
               "tengo examenes", "tengo un examen", "de examenes", "en examenes",
               "tengo parciales", "tengo finales", "en finales", "tengo matrimonio",
               "tengo un matrimonio",
               "matrimonio de", "boda de mi", "boda de un", "boda de una",
               "casamiento de mi", "casamiento de un", "un funeral", "tengo un entierro",
               "tengo un velorio", "tengo velorio",
               "estoy enfermo", "estoy enferma", "estamos enfermos", "estoy malo",
               "estoy mala", "con gripe", "sin plata", "sin un peso", "sin lana",
               "sin dinero", "tengo mudanza", "de mudanza", "un congreso", "doy a luz",
               "salgo de cuentas", "un bautizo", "el bautizo", "la comunion", "una comunion",
               "cumpleanos de mi", "turno de doce", "turno de 12", "graduacion de mi",
               "despedida de soltero", "despedida de soltera"),
        "pt": ("no estrangeiro", "vamos estar no estrangeiro", "estaremos no estrangeiro",
               "no exterior", "fora do pais", "em viagem", "viajando", "lua de mel",
               "estarei em lua de mel", "em lua de mel", "tenho plantao", "estou de plantao",
               "de plantao", "de servico", "estou de servico",
               "de turno", "estou de turno", "turno da noite", "trabalho ate",
               "nesse dia trabalho", "trabalho nesse dia", "tenho cirurgia", "tenho uma cirurgia",
               "vou fazer uma cirurgia", "tenho uma operacao",
               "vou ser operado", "vou ser operada", "no hospital", "internado", "internada",
               "tenho prova", "tenho provas", "semana de provas", "tenho exames", "tenho exame",
               "tenho casamento", "um casamento", "casamento do meu", "casamento da minha",
               "casamento de um", "casamento de uma", "tenho um enterro", "tenho enterro",
               "tenho um velorio", "tenho velorio", "tenho um funeral",
               "to doente", "tou doente", "estou doente", "estamos doentes", "gripado",
               "gripada", "sem grana", "to sem grana", "tou sem grana", "sem dinheiro",
               "um congresso", "o bebe nasce", "o parto", "o batizado", "um batizado",
               "aniversario da minha", "aniversario do meu", "exames nessa", "provas nessa",
               "formatura", "despedida de solteiro", "despedida de solteira"),
        "ar": ("مسافرا", "ساكون مسافرا", "سنكون مسافرين", "برا الديره", "بره الديره",
               "برا البلد", "بره البلد", "خارج الديره", "بنكون برا", "بنكون بره",
               "في شهر العسل", "شهر العسل", "عندي عرس", "عندنا عرس", "عرس اختي", "عرس ختي",
               "عرس اخوي", "عرس خويا", "عرس اخويا", "عرس بنت", "عرس ولد", "عندي عمليه",
               "عمليه جراحيه", "في المستشفي", "بالمستشفي", "عندي امتحان", "عندي امتحانات",
               "عندي اختبار", "عندي اختبارات", "عندي مناوبه", "عندي دوام", "عندي شغل",
               "مناوبه", "مناوب", "عندي شفت", "عندي شيفت", "نبطشيه", "عندي جنازه",
               "عندي دفن", "مريض", "مريضه", "عيان", "عيانه", "تعبان شوي", "ما معي فلوس",
               "مفلس", "3nde shift", "3ndi shift", "3andi shift",
               "3nde 3ers", "3andi 3ers", "3ndi 3rs", "3amaliye", "3amaliya", "3amalia",
               "mostashfa", "mustashfa", "imti7an", "imti7anat", "emte7anat",
               "barra el balad", "bara l balad", "ظرف طاري", "عندي ظرف", "عقيقه",
               "العمره", "للعمره"),
        "fr": ("a l hopital", "hospitalise", "hospitalisee", "une operation",
               "me fais operer", "me faire operer", "me fait operer", "des examens",
               "mes examens", "un examen", "en examens", "mes partiels", "des partiels",
               "un concours", "mon concours",
               "un mariage", "mariage de ma", "mariage de mon", "funerailles", "un enterrement",
               "obseques", "de garde", "lune de miel", "en lune de miel", "de service", "de nuit",
               "en mission", "je suis malade", "on est malades", "au chalet", "au village",
               "au bled", "bebe arrive", "le bebe arrive", "accouchement", "a l etranger ce",
               "a l etranger cette", "hors du pays", "fauche", "fauchee", "un seminaire",
               "en demenagement", "on demenage", "un bapteme", "le bapteme", "une communion",
               "anniversaire de ma", "anniversaire de mon", "au boulot ce", "au travail ce",
               "en formation", "rentre au pays", "enterrement de vie"),
    },
}  # fmt: skip
