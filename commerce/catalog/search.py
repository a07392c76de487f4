"""Text search of the catalog in Chinese and English: documents and queries as n-gram tokens.

Chinese has no spaces between words, so a document's Chinese runs are indexed as single
characters and overlapping pairs (the CJK bigrams of Lucene's CJKAnalyzer); English and digits
as lowercased words with a plural "s" dropped. A product's `search_text` is its tokens between
spaces, so "does the document have this token" is `LIKE '% token %'`, which a trigram GIN index
answers on PostgreSQL (the spaces give every token, even a two-character one, whole trigrams),
and the same SQL runs on SQLite. A query matches when every one of its tokens is present;
its last English word matches as a prefix, for search as you type.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"([{_CJK}]+)|([0-9a-z]+)")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
MAX_TERMS = 12


def _normal(text: str) -> str:
    # NFKC folds full-width letters and digits, common in Chinese input, into ASCII.
    return unicodedata.normalize("NFKC", text).lower()


def _word(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _tokens(text: str) -> Iterable[str]:
    for cjk, word in _RUN.findall(text):
        if cjk:
            yield from cjk
            yield from (cjk[i : i + 2] for i in range(len(cjk) - 1))
        else:
            yield _word(word)


def document(*fields: str | None) -> str:
    """The indexed form of a product's text: its distinct tokens, space-separated and space-framed."""
    tokens: set[str] = set()
    for field in fields:
        if field:
            text = _normal(field)
            tokens.update(_tokens(text))
            # "红富士 苹果" is also found by "红富士苹果".
            tokens.update(_tokens(_SPACE_BETWEEN_CJK.sub("", text)))
    return f" {' '.join(sorted(tokens))} " if tokens else ""


@dataclass(frozen=True)
class Term:
    token: str
    prefix: bool = False

    def pattern(self) -> str:
        """The LIKE pattern on a document (tokens hold only letters, digits and CJK: nothing to escape)."""
        return f"% {self.token}%" if self.prefix else f"% {self.token} %"


def query_terms(query: str) -> list[Term]:
    """What a query asks for: its pairs of Chinese characters (a lone character alone) and words."""
    terms: list[Term] = []
    runs = _RUN.findall(_normal(query))
    for index, (cjk, word) in enumerate(runs):
        if cjk:
            pairs = [cjk[i : i + 2] for i in range(len(cjk) - 1)] or [cjk]
            terms.extend(Term(pair) for pair in pairs)
        else:
            last = index == len(runs) - 1
            terms.append(Term(_word(word), prefix=last))
    unique = list(dict.fromkeys(terms))
    return unique[:MAX_TERMS]
