"""A small multilingual shop knowledge base written for the NLU tests (English, Polish,
Chinese); the texts are ours, not taken from any dataset."""

from __future__ import annotations

from kefu.bot.nlu import Faq, Intent, KnowledgeBase

INTENTS = {
    "order_status": [
        "where is my order",
        "track my package",
        "has my order shipped yet",
        "when will my parcel arrive",
        "what is the status of my order",
        "my delivery has not come",
        "tracking number for my order",
        "is my order on the way",
        "gdzie jest moje zamówienie",
        "kiedy dotrze moja paczka",
        "status mojego zamówienia",
        "czy moja przesyłka została wysłana",
        "śledzenie przesyłki",
        "nie dostałem jeszcze paczki",
        "我的订单到哪了",
        "快递什么时候到",
        "查一下物流",
        "我的包裹发货了吗",
        "订单状态怎么查",
        "还没收到货",
    ],
    "refund": [
        "i want a refund",
        "how do i return this item",
        "give me my money back",
        "can i send it back",
        "the product arrived broken, i want my money back",
        "refund my purchase",
        "chcę zwrócić towar",
        "jak zwrócić zamówienie",
        "proszę o zwrot pieniędzy",
        "zwrot produktu",
        "reklamacja uszkodzonego produktu",
        "我要退货",
        "怎么申请退款",
        "退钱给我",
        "商品坏了可以退吗",
        "退款多久到账",
    ],
    "change_address": [
        "change my delivery address",
        "i moved, update my shipping address",
        "wrong address on my order",
        "send it to a different address",
        "zmień adres dostawy",
        "chcę zmienić adres wysyłki",
        "podałem zły adres",
        "wyślijcie na inny adres",
        "修改收货地址",
        "地址填错了",
        "换一个收货地址",
        "我要改地址",
    ],
    "talk_to_human": [
        "talk to a human",
        "i want to speak with an agent",
        "connect me to a real person",
        "customer service representative please",
        "chcę rozmawiać z konsultantem",
        "połącz mnie z człowiekiem",
        "poproszę pracownika obsługi",
        "转人工",
        "我要找人工客服",
        "人工服务",
        "找真人客服",
    ],
    "cancel_order": [
        "cancel my order",
        "i do not want this order anymore",
        "stop my order before it ships",
        "how can i cancel",
        "anuluj moje zamówienie",
        "chcę anulować zamówienie",
        "rezygnuję z zamówienia",
        "取消订单",
        "我不想要了，取消吧",
        "订单怎么取消",
    ],
}

FAQS = [
    Faq(
        id="opening_hours",
        question="what are your opening hours",
        similar=[
            "when are you open",
            "godziny otwarcia",
            "w jakich godzinach pracujecie",
            "你们几点上班",
            "营业时间是什么时候",
        ],
        answer="Mon-Fri 9:00-17:00",
    ),
    Faq(
        id="payment_methods",
        question="which payment methods do you accept",
        similar=[
            "can i pay with a card",
            "czy mogę zapłacić kartą",
            "jakie są formy płatności",
            "可以用支付宝付款吗",
            "支持哪些付款方式",
        ],
        answer="Card, BLIK, Alipay",
    ),
    Faq(
        id="shipping_cost",
        question="how much is shipping",
        similar=["delivery fee", "ile kosztuje dostawa", "koszt wysyłki", "运费多少", "包邮吗"],
        answer="Free over 100 PLN",
    ),
]

OOS_EXAMPLES = [
    "what is the weather tomorrow",
    "tell me a joke",
    "who won the football match",
    "jaka jest jutro pogoda",
    "opowiedz dowcip",
    "kto wygrał mecz",
    "今天天气怎么样",
    "讲个笑话",
    "昨天的比赛谁赢了",
]


def shop_kb(*, with_oos: bool = False, language: str | None = None) -> KnowledgeBase:
    intents = [
        Intent(name=name, examples=examples, answer=f"answer for {name}")
        for name, examples in INTENTS.items()
    ]
    return KnowledgeBase(
        intents=intents,
        faqs=list(FAQS),
        oos_examples=list(OOS_EXAMPLES) if with_oos else [],
        language=language,
    )
