"""What a guest is told about an event's questions, in their language (en/es/pt/ar/fr): a
question with its numbered choices, thanks for an answer, a question asked again, and a
choice changed."""

from __future__ import annotations

from types import MappingProxyType

from app.models import Question, QuestionKind
from app.services.event_questions import worded

TEXTS = MappingProxyType({
    "en": {
        "heading": "Question {n} of {total}: {question}",
        QuestionKind.CHOICE: "Reply with the number of your choice.",
        QuestionKind.CHOICES: "Reply with the numbers of your choices, for example 1, 3.",
        "thanks": "Thanks, noted.",
        "done": "Thanks, that was our last question.",
        "again": "Sorry, we didn't understand that answer.",
        "changed": "Noted: your answer to \u201c{question}\u201d is now {answer}.",
    },
    "es": {
        "heading": "Pregunta {n} de {total}: {question}",
        QuestionKind.CHOICE: "Responde con el número de tu elección.",
        QuestionKind.CHOICES: "Responde con los números que elijas, por ejemplo 1, 3.",
        "thanks": "Gracias, anotado.",
        "done": "Gracias, esa era nuestra última pregunta.",
        "again": "Lo sentimos, no entendimos esa respuesta.",
        "changed": "Anotado: tu respuesta a «{question}» ahora es {answer}.",
    },
    "pt": {
        "heading": "Pergunta {n} de {total}: {question}",
        QuestionKind.CHOICE: "Responda com o número da sua escolha.",
        QuestionKind.CHOICES: "Responda com os números que escolher, por exemplo 1, 3.",
        "thanks": "Obrigado, anotado.",
        "done": "Obrigado, essa era nossa última pergunta.",
        "again": "Desculpe, não entendemos essa resposta.",
        "changed": "Anotado: sua resposta a «{question}» agora é {answer}.",
    },
    "ar": {
        "heading": "السؤال {n} من {total}: {question}",
        QuestionKind.CHOICE: "أرسل رقم اختيارك.",
        QuestionKind.CHOICES: "أرسل أرقام اختياراتك، مثلًا 1، 3.",
        "thanks": "شكرًا، سجّلنا إجابتك.",
        "done": "شكرًا، كان هذا آخر أسئلتنا.",
        "again": "عذرًا، لم نفهم هذه الإجابة.",
        "changed": "تم: إجابتك عن «{question}» الآن: {answer}.",
    },
    "fr": {
        "heading": "Question {n} sur {total} : {question}",
        QuestionKind.CHOICE: "Répondez par le numéro de votre choix.",
        QuestionKind.CHOICES: "Répondez par les numéros de vos choix, par exemple 1, 3.",
        "thanks": "Merci, c'est noté.",
        "done": "Merci, c'était notre dernière question.",
        "again": "Désolé, nous n'avons pas compris cette réponse.",
        "changed": "C'est noté : votre réponse à « {question} » est maintenant {answer}.",
    },
})  # fmt: skip


def _texts(language: str) -> dict[str | QuestionKind, str]:
    """The language's texts, English for one the service does not write in."""
    return TEXTS.get(language, TEXTS["en"])


def heading(question: Question, total: int, language: str) -> str:
    """A question's number and words ("Question 1 of 2: Main course?")."""
    return _texts(language)["heading"].format(
        n=question.position, total=total, question=worded(question.wording, language)
    )


def ask(question: Question, total: int, language: str) -> str:
    """A question as the guest reads it: its number, its words, its numbered choices."""
    texts = _texts(language)
    lines = [heading(question, total, language)]
    if question.kind is not QuestionKind.TEXT:
        lines.extend(
            f"{number}. {worded(choice, language)}"
            for number, choice in enumerate(question.choices, start=1)
        )
        lines.append(texts[question.kind])
    return "\n".join(lines)


def after_answer(language: str, following: str | None) -> str:
    """Thanks for an answer, then the next question, or the word that it was the last
    (`following` empty: the next question follows in a message of its own, with buttons)."""
    texts = _texts(language)
    if following is None:
        return texts["done"]
    if not following:
        return texts["thanks"]
    return f"{texts['thanks']}\n\n{following}"


def again(language: str, question_text: str) -> str:
    """A question asked once more after an answer that could not be read."""
    return f"{_texts(language)['again']}\n\n{question_text}"


def changed(question: Question, chosen: list[int], language: str) -> str:
    """A choice changed by a later message: the question and the answer it now has."""
    answer = ", ".join(worded(question.choices[number - 1], language) for number in chosen)
    return _texts(language)["changed"].format(
        question=worded(question.wording, language), answer=answer
    )
