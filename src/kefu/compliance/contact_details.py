"""Off-platform contact details that channel rules forbid: links, WeChat ids and QQ numbers.

Phone numbers and e-mail addresses come from :mod:`kefu.compliance.pii`; this module adds what is
not personal data in itself but moves a customer off the platform.
"""

from __future__ import annotations

import re

from kefu.compliance.pii import ascii_view

_TLDS = (
    "com|cn|net|org|pl|io|cc|co|info|biz|top|xyz|me|tv|shop|store|site|online|link|app|vip|"
    "club|hk|tw|eu|de|uk|ru|us|ly|gl|gd|la|ink|fun|live|wang|ltd|work|tech|asia"
)
_URL = re.compile(
    r"(?i)(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"'，。！？、；：（）【】《》「」]+"
    r"|(?<![@A-Za-z0-9.\-])(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+(?:" + _TLDS + r")"
    r"(?![A-Za-z0-9\-@])(?:/[^\s<>\"'，。！？、；：（）【】《》「」]*)?"
)
# Names and nicknames for WeChat, then a WeChat id: 6–20 characters, a letter first.
_WECHAT = re.compile(
    r"(?i)(?<![A-Za-z])(?:微信|威信|薇信|徽信|維信|微訊|V信|VX|WX|weixin|wechat|加V|加v|微号|微號)"
    r"\s*(?:号|號|ID|id)?\s*[:：]?\s*(?P<id>[A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])"
)
_QQ = re.compile(
    r"(?i)(?<![A-Za-z])(?:QQ|扣扣|企鹅|企鵝)\s*(?:号|號|群)?\s*[:：]?\s*(?P<id>[1-9]\d{4,11})(?!\d)"
)


def find_links(text: str) -> list[tuple[int, int]]:
    view = ascii_view(text)
    return [(m.start(), m.end()) for m in _URL.finditer(view)]


def find_wechat_ids(text: str) -> list[tuple[int, int]]:
    view = ascii_view(text)
    return [(m.start(), m.end()) for m in _WECHAT.finditer(view)]


def find_qq_numbers(text: str) -> list[tuple[int, int]]:
    view = ascii_view(text)
    return [(m.start(), m.end()) for m in _QQ.finditer(view)]
