"""Multilingual text processing: normalisation and PII redaction, tokenisers for
Chinese (jieba), English (regex) and Indonesian (slang, Sastrawi), stopwords that keep
negations and first-person pronouns, language detection, the self-disclosure filter
and a configurable scikit-learn preprocessing step.

>>> from depscreen.text import normalise, tokenize
>>> tokenize(normalise("I'm NOT okay!!!!! https://t.co/x"), "en")
["i'm", 'not', 'okay', '!!', '<url>']
"""

from .en import EnglishTokenizer
from .id import IndonesianTokenizer
from .langdetect import DEFAULT_LANGUAGES, detect_language, detect_languages
from .normalise import PLACEHOLDERS, normalise, redact
from .pipeline import Preprocessor
from .selfdisclosure import DisclosureReport, filter_self_disclosure, is_self_disclosure
from .stopwords import get_stopwords
from .tokenizers import get_tokenizer, load_user_dictionary, tokenize
from .zh import ChineseTokenizer

__all__ = [
    "ChineseTokenizer",
    "DEFAULT_LANGUAGES",
    "DisclosureReport",
    "EnglishTokenizer",
    "IndonesianTokenizer",
    "PLACEHOLDERS",
    "Preprocessor",
    "detect_language",
    "detect_languages",
    "filter_self_disclosure",
    "get_stopwords",
    "get_tokenizer",
    "is_self_disclosure",
    "load_user_dictionary",
    "normalise",
    "redact",
    "tokenize",
]
