"""An in-memory search index of one CCAM table: the manual's three searches in microseconds.

A full table is small (about 8,300 acts, 5,000 distinct keywords, 60,000 act–keyword links), so the catalog
keeps one index per active version and answers searches from sorted arrays with ``bisect``: a code prefix
is a slice of the sorted codes, a keyword prefix a slice of the sorted keywords. The database holds the same
data with prefix indexes (``feuille.catalog.ccam_search``) and the tests check both give the same answers.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from feuille.nomenclature.ccam import MIN_KEYWORD, STOPWORDS, fold, fold_code, keywords_of

_AFTER = "\x7f"  # sorts after every character of a folded word or a code


@dataclass(frozen=True)
class IndexedAct:
    code: str
    label: str
    short_label: str = ""
    not_covered: bool = False
    folded: str = ""  # fold(label), when the caller has it already (the database stores it)


class CcamSearchIndex:
    """Acts sorted by code; keywords sorted by folded form, each with the (sorted) positions of its acts."""

    def __init__(self, acts: Iterable[IndexedAct], keywords: Iterable[tuple[str, str, str]] | None = None) -> None:
        """``keywords``: (code, word as printed, folded word); derived from the labels when None."""
        self.acts: list[IndexedAct] = sorted(acts, key=lambda act: act.code)
        self._codes = [act.code for act in self.acts]
        self._folded_labels = [act.folded or fold(act.label) for act in self.acts]
        position = {code: i for i, code in enumerate(self._codes)}
        if keywords is None:
            keywords = ((act.code, word, folded) for act in self.acts
                        for folded, word in keywords_of(act.label).items())
        links: dict[str, set[int]] = defaultdict(set)
        shown: dict[str, str] = {}
        for code, word, folded in keywords:
            if code in position:
                links[folded].add(position[code])
                if folded not in shown or word < shown[folded]:
                    shown[folded] = word
        self._words = sorted(links)
        self._shown = [shown[w] for w in self._words]
        self._acts_of: list[tuple[int, ...]] = [tuple(sorted(links[w])) for w in self._words]
        self._links_before = [0]  # act links of the keywords before position i (to size a prefix range)
        for acts_of in self._acts_of:
            self._links_before.append(self._links_before[-1] + len(acts_of))
        keys_of: list[list[str]] = [[] for _ in self.acts]
        for word, acts_of in zip(self._words, self._acts_of, strict=True):
            for p in acts_of:
                keys_of[p].append(word)  # self._words is sorted: so is each act's list
        self._keys_of = [tuple(keys) for keys in keys_of]

    def __len__(self) -> int:
        return len(self.acts)

    def _range(self, keys: Sequence[str], prefix: str) -> tuple[int, int]:
        return bisect_left(keys, prefix), bisect_left(keys, prefix + _AFTER)

    def by_code_prefix(self, text: str, limit: int) -> list[IndexedAct]:
        prefix = fold_code(text)
        if not prefix:
            return []
        lo, hi = self._range(self._codes, prefix)
        return self.acts[lo:min(hi, lo + limit)]

    def keywords(self, text: str, limit: int) -> list[str]:
        prefix = fold(text).replace(" ", "")
        if not prefix:
            return []
        lo, hi = self._range(self._words, prefix)
        return self._shown[lo:min(hi, lo + limit)]

    def by_keyword(self, text: str, limit: int) -> list[IndexedAct]:
        folded = fold(text).replace(" ", "")
        i = bisect_left(self._words, folded)
        if not folded or i == len(self._words) or self._words[i] != folded:
            return []
        return [self.acts[p] for p in self._acts_of[i][:limit]]

    def by_words(self, text: str, limit: int) -> list[IndexedAct]:
        """Every word typed must start a keyword of the act; short words and stopwords appear anywhere.

        The word with the fewest acts gives the candidates; the others are checked act by act on the act's
        sorted keywords (a bisect each), so a broad word ("pose", "abord") never builds a large set.
        """
        words = list(dict.fromkeys(fold(text).split()))
        if not words:
            return []
        long = [w for w in words if len(w) >= MIN_KEYWORD and w not in STOPWORDS]
        short = [w for w in words if w not in long]
        candidates: Iterable[int] = range(len(self.acts))
        if long:
            ranges = sorted(((self._range(self._words, w), w) for w in long),
                            key=lambda item: self._links_before[item[0][1]] - self._links_before[item[0][0]])
            (lo, hi), _ = ranges[0]
            candidates = sorted(set().union(*self._acts_of[lo:hi]))
            long = [w for _, w in ranges[1:]]
        result: list[IndexedAct] = []
        for p in candidates:
            keys = self._keys_of[p]
            if all(_has_prefix(keys, w) for w in long) and all(w in self._folded_labels[p] for w in short):
                result.append(self.acts[p])
                if len(result) == limit:
                    break
        return result


def _has_prefix(keys: Sequence[str], prefix: str) -> bool:
    i = bisect_left(keys, prefix)
    return i < len(keys) and keys[i].startswith(prefix)
