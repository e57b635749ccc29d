"""Words that shape a chat question without carrying its subject.

Each list holds words as members type them with diacritics; matching folds them and compares marks, so
"hỏi" (ask) is a function word while "hội" (conference) is not.
"""

from __future__ import annotations

# Words that glue a question together. They still count a little, so "cho em hỏi" never outweighs the
# subject of the question, but a question made only of them is not a question about the materials.
FUNCTION_WORDS = """
là gì cái thế nào nào sao vậy ạ à ơi nhé nhá nha nhỉ hả hử chứ đi thì mà của và với cho để
được bị có không chưa đã đang sẽ rồi cũng vẫn còn này kia ấy đó đấy đây nọ những các một mọi
về theo tại trong ngoài trên dưới từ đến tới ra vào lên xuống ở hay hoặc nếu thế như nào bao
em anh chị tôi mình tớ bạn ông bà cô chú bác ta chúng họ hỏi biết xin muốn cần phải nên nói
bảo kể giúp giùm dùm xem coi thử ai gì đâu mấy nhiêu khi lúc nhiều ít rất lắm quá hơn
""".split()

# A message made only of these is chatter (greeting, thanks, small talk), not a question.
CHATTER_WORDS = """
chào xin hello hi hey helo alo allo cảm ơn cám thanks thank you tks thx ok oke okay okie vâng
dạ ừ ừm uh um ờ hihi haha hehe hì bye tạm biệt bot chatbot good morning night khỏe khoẻ không
ngủ ngon chúc buổi sáng trưa chiều tối tốt lành vui tuyệt vời hay quá giỏi đúng rồi được
thế nhé nha nhá ạ à ơi ad admin anh chị em bạn ai là gì tên đấy đó gửi lời nhiều lắm mọi người
""".split()

# Question phrasings mapped to what is asked. Longer phrases are matched first.
INTENT_PHRASES: dict[str, str] = {
    "là gì": "@what",
    "nghĩa là gì": "@what",
    "nghĩa là sao": "@what",
    "có nghĩa là sao": "@what",
    "nghĩa là thế nào": "@what",
    "nghĩa là như thế nào": "@what",
    "là sao": "@what",
    "có nghĩa là gì": "@what",
    "là cái gì": "@what",
    "thế nào là": "@what",
    "như thế nào là": "@what",
    "hiểu thế nào": "@what",
    "hiểu như thế nào": "@what",
    "khái niệm": "@what",
    "định nghĩa": "@what",
    "giải thích": "@what",
    "khi nào": "@when",
    "bao giờ": "@when",
    "lúc nào": "@when",
    "ngày nào": "@when",
    "hôm nào": "@when",
    "mấy giờ": "@when",
    "giờ nào": "@when",
    "thời gian nào": "@when",
    "thời điểm nào": "@when",
    "tháng nào": "@when",
    "hạn chót": "@when",
    "hạn cuối": "@when",
    "thời hạn": "@when",
    "ở đâu": "@where",
    "tại đâu": "@where",
    "về đâu": "@where",
    "đi đâu": "@where",
    "chỗ nào": "@where",
    "nơi nào": "@where",
    "địa điểm nào": "@where",
    "ai": "@who",
    "những ai": "@who",
    "người nào": "@who",
    "đối tượng nào": "@who",
    "bao nhiêu": "@howmany",
    "như thế nào": "@how",
    "thế nào": "@how",
    "ra sao": "@how",
    "làm sao": "@how",
    "cách nào": "@how",
    "bằng cách nào": "@how",
    "tại sao": "@why",
    "vì sao": "@why",
}

DEFINITION_INTENT = "@what"
# "X là <kind> gì" asks what X is, as "X là gì" does ("là văn bản gì", "là hội nghị gì", "là loại bài gì"):
# up to this many words may stand between "là" and "gì".
DEFINITION_GAP = 3
PROCEDURAL_INTENTS = frozenset({"@when", "@where", "@who", "@howmany", "@how", "@why"})
