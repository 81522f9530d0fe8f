"""Find a written-out request for no more messages, in en/es/pt/ar/fr and Arabizi.

"please stop sending me messages", "no me mandéis más mensajes", "não quero receber mais
mensagens", "الرجاء عدم إرسال رسائل", "ما بدي توصلني رسايل", "merci de ne plus m'envoyer de
messages". The patterns are word classes, not sentences: a verb of sending or receiving that
is stopped, negated or refused, or a request to be taken off the list. A stopped verb needs
the messages themselves ("stop sending me the wrong date" is about one message); a refusal
to receive, a negated "send me" and a removal do not. The whole-message keywords ("STOP",
"BAJA") are `keywords.VOCABULARY`'s. Patterns read `replies.normalize`d text.
"""

from __future__ import annotations

import re


def _any(*words: str) -> str:
    """An alternation of words or patterns."""
    return "(?:" + "|".join(words) + ")"


# The messages themselves, as people name them (plural, singular, chat short forms).
MESSAGES = _any(
    "messages?", "msgs?", "texts?", "sms", "whatsapps?", "invit\\w*", "notifications?",
    "mensajes?", "msjs?", "mensagens?", "mensages?", "msgs?", "zaps?",
    "رسائل", "رسايل", "الرسائل", "الرسايل", "رساله", "مسجات", "المسجات", "رسائلكم",
    "rasayel", "rasa2el", "rsayl", "rasail", "msajat", "ميساجات", "الميساجات", "مساجات",
    "المساجات", "ميساج", "الميساج", "mesajat", "messajat", "missajat",
)  # fmt: skip
# Words between a verb and the messages: "me", "these", "any more", "de", "des", "ليا".
FILLER = "(?: (?:me|us|these|those|the|your|any|more|further|such|all|of|de|des|ces|vos|tes|"
FILLER += "mas|mais|tus|sus|estos|estes|essas|esses|as|os|los|las|el|la|o|a|lo|"
FILLER += "لي|ليا|لنا|اي|هذه|هاي|هذي|الي|هاد|هادي|هادو|هدول|هذول|دي|ده|ya|li|liya|lia|2ay|ay|"
FILLER += "had|hadi|di|dol))*"

# Nothing but courtesies to the end of the clause: "no me escriban (por favor)".
COURTESY = "(?: (?:por favor|porfa|gracias|obrigado|obrigada|please|pls))*"

PATTERNS = {
    "en": (
        f"(?:stop|quit|cease|pls stop) (?:sending|forwarding){FILLER} {MESSAGES}",
        "(?:stop|quit|cease) (?:messaging|texting|contacting|spamming|whatsapping|bugging) "
        "(?:me|us)",
        "stop (?:messaging|texting|contacting|spamming)",
        "(?:don t|do not|dont|never) (?:text|message|contact|whatsapp|msg) (?:me|us|this number"
        "|my number)",
        f"(?:don t|do not|dont|never) send (?:me|us)(?: anything| anymore| again|{FILLER}"
        f" {MESSAGES}|{FILLER} (?:any ?more|again))",
        "(?:stop|quit) sending (?:me|us) (?:these|those|this stuff|stuff|them)",
        "(?:want|wish|like|need) to (?:unsubscribe|opt out)",
        f"(?:don t|do not|dont) want{FILLER}(?: to (?:receive|get))?{FILLER} {MESSAGES}",
        f"no (?:more|further) {MESSAGES}",
        f"enough (?:with |of )?(?:the |these |your |all the )?{MESSAGES}",
        "(?:remove|delete|erase|comot) (?:me|us|my number|my contact|this number)",
        "take (?:me|us|my number) off",
        "unsubscribe (?:me|us|this number|my number)",
    ),
    "es": (
        f"(?:deja|dejen|dejad|para|paren|parad) de (?:escribir|mandar|enviar)\\w*(?:{FILLER}"
        f" {MESSAGES})?",
        "no (?:me|nos) (?:mandes|mande|manden|mandeis|envies|envie|envien|envieis|escribas|"
        f"escriba|escriban|escribais)(?: mas|{FILLER} {MESSAGES}|{COURTESY}$)",
        f"(?:ya )?no (?:quiero|queremos|deseo|deseamos) (?:recibir|mas {MESSAGES}|{MESSAGES})",
        f"no mas {MESSAGES}",
        f"(?:ya )?(?:basta|suficiente) (?:de|con) (?:los |las |tantos |estos |sus |tus )?"
        f"{MESSAGES}",
        "(?:sacame|sacanme|sacenme|saquenme|saquenos|sacadme|sacarme de|borrame|borrenme|"
        "borradme|quitame|quitenme|quitadme|eliminame|eliminenme|eliminadme|elimineme|borreme|"
        "quiteme|saqueme|"
        "denme de baja|dame de baja|darme de baja|(?:me|nos) den de baja)",
        "no (?:me|nos) (?:vuelvas|vuelva|vuelvan|volvais) a (?:escribir|mandar|enviar|"
        "contactar|molestar)\\w*",
        "(?:quiero|queremos|quisiera) (?:salir|salirme) de (?:la|esta|esa|vuestra|su) lista",
        "(?:borren|borra|eliminen|elimina|quiten|quita|saquen|saca) (?:mi numero|mi contacto)",
    ),
    "pt": (
        f"(?:para|pare|parem|parar|deixa|deixe|deixem) de (?:me )?(?:mandar|enviar|escrever|"
        f"mandando|enviando)"
        f"(?:{FILLER} {MESSAGES})?",
        "nao me (?:mande|mandem|manda|envie|enviem|envia|escreva|escrevam)"
        f"(?: mais|{FILLER} {MESSAGES}|{COURTESY}$)",
        "nao (?:mande|mandem|manda|envie|enviem|envia|escreva|escrevam) mais",
        f"nao (?:quero|queremos|desejo) (?:mais )?(?:receber|{MESSAGES})",
        f"(?:chega|chega de|sem mais) {MESSAGES}",
        "(?:me )?(?:tira|tirem|tire|remove|removam|remova|retira|retire|retirem|exclua|excluam|"
        "apaga|apaguem)(?: me)? (?:dessa|desta|da) lista",
        # "me tira desse grupo (de transmissão)", "me remove da lista de transmissão"
        "(?:me )?(?:tira|tirem|tire|remove|removam|remova|retira|retire|retirem|exclua|excluam|"
        "apaga|apaguem)(?: me)? (?:desse|deste|do|dessa|desta|da) (?:grupo|lista)"
        "(?: de (?:transmissao|difusao|envio|contatos))?",
        "(?:tira|tirem|tire|remove|remover|removam|remova|retira|retire|retirem|exclua|excluam|"
        "apaga|apague|apaguem) (?:o )?(?:meu |este |esse )?(?:numero|contato|contacto)",
        "(?:quero|queria|queremos|gostaria de) (?:me )?(?:descadastrar|cancelar a inscricao"
        "|sair (?:dessa|desta|da) lista)",
    ),
    "ar": (
        "لا ?(?:عاد )?(?:ترسل|ترسلوا|ترسلون|ترسلو|ترسلي|تبعت|تبعتلي|تبعتولي|تبعتوا|تبعتو|"
        "تبعث|تبعثلي|تبعثو|تصيفط|تصيفطو|تصيفطوا|تصيفطلي|تراسلني|تراسلوني) (?:لي|ليا|لنا)",
        f"(?:لا|ما|مش|مو) ?(?:ترسل\\w*|تبعت\\w*|تبعث\\w*|تصيفط\\w*|تراسل\\w*|تبقا\\w* "
        f"\\w+){FILLER} {MESSAGES}",
        "لا ?(?:تراسلني|تراسلوني|تبعتلي|تبعتولي|ترسلولي|ترسللي)",
        "عدم (?:ارسال|الارسال|مراسلتي|مراسلتنا|التواصل)",
        f"(?:لا|ما|مش|مو) ?(?:بدي|ابي|ابغي|ابغا|اريد|عايز|عاوز|حاب|بغيت|نبغي|بغيتش|نحب)"
        f"(?: \\w+){{0,2}} {MESSAGES}",
        "(?:توقف|توقفوا|وقف|وقفوا|بطل|بطلوا|كفايه|خلاص) (?:عن )?(?:ارسال|الارسال|تبعت\\w*|"
        "ترسل\\w*|(?:ال|هال)?(?:رسائل|رسايل|مسجات))",
        "(?:احذف|احذفوا|امسح|امسحوا|شيل|شيلوا|احذفني|احذفوني|شيلني|شيلوني|امسحني|امسحوني|"
        "حيدني|حيدوني) "
        "(?:رقمي|اسمي|من)",
        "(?:ازاله|حذف|شطب|مسح|ازل|ازيلوا|ازيلو|ازيل|حيد|حيدو|حيدوا) (?:رقمي|اسمي)",
        # Arabizi: "7ezfouni men el list", "shilouni min l group"
        "(?:7ezfouni|7ezfoni|7ezfni|7zefni|i7zefni|e7zefni|7ezfuni|shilouni|shiluni|shilni|"
        "emsa7ni|imsa7ni|emsa7ouni) (?:men|min|mn|raqmi|ra2mi|esmi)",
        f"(?:ma|mat|la|msh|mish|mesh) ?(?:tba3t\\w*|tb3t\\w*|tb3at\\w*|teb3at\\w*|tersel\\w*|"
        f"tursil\\w*|tsifto\\w*|tsayft\\w*)(?:{FILLER} {MESSAGES})?",
        # "batlo teb3atouli messages": stop sending (Levantine "بطّلوا")
        "(?:batlo|battlo|batlu|battlu|batel|battel|wa2fo|w2fo) (?:tba3t\\w*|tb3t\\w*|"
        "tb3at\\w*|teb3at\\w*|tersel\\w*|tbe3t\\w*)",
        "م(?:ت|اتب)(?:بعت|رسل|بعث)\\w*(?: \\w+)?(?: رسايل| رسائل| مسجات| تاني| ثاني)",
        "(?:اريد|ابي|ابغي|بدي|عايز|عاوز|حاب|بغيت) ?(?:الغاء|الغي|نلغي) ?(?:الاشتراك|اشتراكي)",
        f"(?:ma|msh|mish|mesh|la) (?:baddi|badi|bade|bdi|bidi|abi|abgha|abgh|3ayez|3awez|bghit)"
        f"(?: \\w+){{0,2}} {MESSAGES}",
    ),
    "fr": (
        "(?:arrete|arretez|arreter|cessez|cesse|stop) (?:de )?(?:m |me |nous )?(?:envoyer|"
        "ecrire|contacter|spammer|harceler|relancer)",
        "ne (?:m|me|nous) (?:envoyez|envoie|envoyer|ecrivez|ecris|ecrire|contactez|contacter) plus",
        "ne plus (?:m |me |nous )?(?:envoyer|ecrire|contacter|recevoir)",
        f"(?:veux|souhaite|desire|voudrais|souhaiterais|veut|voulons|souhaitons) plus "
        f"(?:recevoir|de {MESSAGES}|etre contacte\\w*)",
        "(?:retirez|retire|enlevez|enleve|supprimez|supprime|effacez|rayez|desinscrivez|"
        "desabonnez|supprimer|retirer|enlever|effacer) (?:moi|mon numero|mon contact)",
        f"plus de {MESSAGES}",
        f"(?:assez|marre|ras le bol) (?:de|des|avec) (?:ces |vos |tes |les )?{MESSAGES}",
        "(?:veux|voudrais|souhaite|souhaiterais|aimerais|desire|voulons) (?:me |nous )?"
        "(?:desabonner|desinscrire|retirer de (?:la|votre|cette) liste)",
        "(?:merci de|veuillez|pouvez vous|pourriez vous) (?:me|nous) (?:retirer|desinscrire|"
        "desabonner|supprimer|enlever)",
        "(?:me|nous) (?:retirer|supprimer|enlever) (?:de|des) (?:la|votre|vos|cette|ces) listes?",
    ),
}
OPT_OUT = re.compile(
    "(?<!\\S)(?:" + "|".join(p for patterns in PATTERNS.values() for p in patterns) + ")(?!\\S)"
)
LANGUAGE_OF = tuple(
    (re.compile(f"(?<!\\S)(?:{_any(*patterns)})(?!\\S)"), language)
    for language, patterns in PATTERNS.items()
)


def find_opt_out(normalized: str) -> tuple[str, str, str] | None:
    """(the opt-out's words, its language, the text without them), or None."""
    found = OPT_OUT.search(normalized)
    if found is None:
        return None
    words = found[0]
    language = next(lang for pattern, lang in LANGUAGE_OF if pattern.fullmatch(words))
    return words, language, normalized[: found.start()] + normalized[found.end() :]
