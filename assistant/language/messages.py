"""Fixed sentences the engine says itself (refusals, conflict notes), in the user's language.

These never depend on the LLM, so a refusal is correct and in the right language even with no model loaded.
"""

from __future__ import annotations

REFUSAL = {
    "zh": "抱歉，现有资料中没有找到这个问题的答案。以下是最相关的来源，供您参考。",
    "en": "Sorry, the sources do not contain an answer to this question. The closest sources are listed below.",
    "fr": "Désolé, les sources ne contiennent pas de réponse à cette question. Les sources les plus proches "
    "sont indiquées ci-dessous.",
    "es": "Lo siento, las fuentes no contienen una respuesta a esta pregunta. Abajo están las fuentes más "
    "cercanas.",
    "de": "Leider enthalten die Quellen keine Antwort auf diese Frage. Die nächstliegenden Quellen stehen "
    "unten.",
    "ja": "申し訳ありませんが、資料にはこの質問への答えが見つかりませんでした。関連する資料を下に示します。",
    "ko": "죄송합니다. 자료에서 이 질문에 대한 답을 찾을 수 없습니다. 가장 관련 있는 자료를 아래에 표시합니다.",
    "ru": "К сожалению, в источниках нет ответа на этот вопрос. Ниже приведены наиболее близкие источники.",
    "ar": "عذرًا، لا تحتوي المصادر على إجابة لهذا السؤال. أقرب المصادر مدرجة أدناه.",
    "it": "Spiacente, le fonti non contengono una risposta a questa domanda. Le fonti più vicine sono qui sotto.",
    "pt": "Desculpe, as fontes não contêm resposta para esta pergunta. As fontes mais próximas estão abaixo.",
}

# When the sources may hold the answer but no draft or rendering in the asker's language was faithful
# ("no faithful answer in the asker's language"): saying the sources lack it would be a claim we cannot make.
UNWRITTEN = {
    "zh": "抱歉，未能根据资料写出可靠的答案。以下是最相关的来源，供您参考。",
    "en": "Sorry, I could not write a reliable answer from the sources. The closest sources are listed below.",
    "fr": "Désolé, je n'ai pas pu rédiger de réponse fiable à partir des sources. Les sources les plus proches "
    "sont indiquées ci-dessous.",
    "es": "Lo siento, no pude redactar una respuesta fiable a partir de las fuentes. Abajo están las fuentes "
    "más cercanas.",
    "de": "Leider konnte ich aus den Quellen keine verlässliche Antwort schreiben. Die nächstliegenden Quellen "
    "stehen unten.",
    "ja": "申し訳ありませんが、資料から信頼できる回答を作成できませんでした。関連する資料を下に示します。",
    "ko": "죄송합니다. 자료로부터 신뢰할 수 있는 답을 작성하지 못했습니다. 가장 관련 있는 자료를 아래에 표시합니다.",
    "ru": "К сожалению, мне не удалось составить надёжный ответ по источникам. Ниже приведены наиболее близкие "
    "источники.",
    "ar": "عذرًا، لم أتمكن من كتابة إجابة موثوقة من المصادر. أقرب المصادر مدرجة أدناه.",
    "it": "Spiacente, non sono riuscito a scrivere una risposta affidabile dalle fonti. Le fonti più vicine sono "
    "qui sotto.",
    "pt": "Desculpe, não consegui escrever uma resposta confiável a partir das fontes. As fontes mais próximas "
    "estão abaixo.",
}

CONFLICT = {
    "zh": "注意：来源之间存在出入：",
    "en": "Note: the sources disagree:",
    "fr": "Attention : les sources divergent :",
    "es": "Atención: las fuentes no coinciden:",
    "de": "Hinweis: Die Quellen widersprechen sich:",
    "ja": "注意：資料の間で数字が異なります：",
    "ko": "참고: 자료 간에 수치가 다릅니다:",
    "ru": "Внимание: источники расходятся:",
    "ar": "ملاحظة: المصادر متعارضة:",
}

SOURCES_SAY = {
    "zh": "来源原文：",
    "en": "The sources say:",
    "fr": "Les sources disent :",
    "es": "Las fuentes dicen:",
    "de": "Die Quellen sagen:",
    "ja": "資料の原文：",
    "ko": "자료 원문:",
    "ru": "Источники говорят:",
    "ar": "تقول المصادر:",
}

# Before a figure written for the reader when no sentence could be rendered (no model, or a rendering that
# failed its checks): the figure is checked against the source, the source sentence is cited beside it.
FIGURE_SAYS = {
    "zh": "资料显示：",
    "en": "According to the source:",
    "fr": "D'après la source :",
    "es": "Según la fuente:",
    "de": "Laut der Quelle:",
    "ja": "資料によると、",
    "ko": "자료에 따르면",
    "ru": "Согласно источнику:",
    "ar": "وفقًا للمصدر:",
    "it": "Secondo la fonte:",
    "pt": "Segundo a fonte:",
}

# The last line of the answer prompt, in the answer's own language: a small model reading Chinese sources
# follows an instruction in the target language far better than "Answer in French" in English.
ANSWER_IN = {
    "zh": "请用中文回答。",
    "en": "Answer in English.",
    "fr": "Réponds en français.",
    "es": "Responde en español.",
    "de": "Antworte auf Deutsch.",
    "ja": "日本語で答えてください。",
    "ko": "한국어로 답하세요.",
    "ru": "Ответь по-русски.",
    "ar": "أجب باللغة العربية.",
    "it": "Rispondi in italiano.",
    "pt": "Responda em português.",
}


def say(table: dict[str, str], language: str) -> str:
    """The sentence for `language`, English when we have no translation of it."""
    return table.get(language, table["en"])
