import unittest

from wordstats import mean_length, top_words, words


class WordStatsTest(unittest.TestCase):
    def test_words_are_lower_case(self):
        self.assertEqual(words("Hello, hello WORLD"), ["hello", "hello", "world"])

    def test_top_words(self):
        self.assertEqual(top_words("a b a c a b", 2), [("a", 3), ("b", 2)])

    def test_mean_length(self):
        self.assertEqual(mean_length("ab abcd"), 3.0)
        self.assertEqual(mean_length(""), 0.0)

    def test_requests_is_importable(self):
        import requests

        self.assertTrue(requests.__version__)


if __name__ == "__main__":
    unittest.main()
