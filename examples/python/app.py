"""Print word statistics of a text: python3 app.py [FILE]  (default: the Zen of Python)."""

import contextlib
import io
import sys

import requests  # from Debian's python3-requests: installed in the image, not from PyPI

from wordstats import mean_length, top_words


def zen():
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        import this  # noqa: F401  (prints the Zen of Python, ROT13-decoded)
    return buf.getvalue()


def main(argv):
    if len(argv) > 1:
        with open(argv[1], encoding="utf-8") as f:
            text, source = f.read(), argv[1]
    else:
        text, source = zen(), "the Zen of Python"
    print(f"Word statistics of {source}:")
    for word, count in top_words(text, 5):
        print(f"  {word:<10} {count}")
    print(f"  mean word length: {mean_length(text)}")
    print(f"(requests {requests.__version__} is installed from Debian's python3-requests)")


if __name__ == "__main__":
    main(sys.argv)
