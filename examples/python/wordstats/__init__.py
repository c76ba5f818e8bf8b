"""Word statistics for a piece of text, with the standard library only."""

import collections
import re
import statistics

WORD = re.compile(r"[a-z']+")


def words(text):
    """Return the lower-case words of text."""
    return WORD.findall(text.lower())


def top_words(text, n=3):
    """Return the n most common words with their counts, most common first."""
    return collections.Counter(words(text)).most_common(n)


def mean_length(text):
    """Return the mean word length, rounded to two decimals (0.0 for no words)."""
    ws = words(text)
    return round(statistics.mean(len(w) for w in ws), 2) if ws else 0.0
