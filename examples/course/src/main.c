/* wc-lite: print the words and lines of standard input, like `wc -w -l`. */
#include <stdio.h>
#include <stdlib.h>

#include "wordcount.h"

int main(void) {
    size_t cap = 4096, len = 0;
    char *text = malloc(cap);
    if (text == NULL) return 1;
    int c;
    while ((c = getchar()) != EOF) {
        if (len + 1 == cap) {
            char *bigger = realloc(text, cap *= 2);
            if (bigger == NULL) { free(text); return 1; }
            text = bigger;
        }
        text[len++] = (char)c;
    }
    text[len] = '\0';
    printf("words: %zu\nlines: %zu\n", count_words(text), count_lines(text));
    free(text);
    return 0;
}
