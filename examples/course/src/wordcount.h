#ifndef WORDCOUNT_H
#define WORDCOUNT_H

#include <stddef.h>

/* count_words returns the number of words in text: runs of characters that are not
 * spaces, tabs or newlines. */
size_t count_words(const char *text);

/* count_lines returns the number of lines in text: the number of '\n' characters,
 * plus one if the text does not end with '\n' and is not empty.
 * EXERCISE: implement it in wordcount.c, then add tests for it. */
size_t count_lines(const char *text);

#endif
