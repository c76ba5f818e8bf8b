/* The tests `make test` runs. Each CHECK prints what failed; the exit status is the
 * number of failures. */
#include <stdio.h>

#include "../src/wordcount.h"

static int failures = 0;

#define CHECK(expr, want)                                                        \
    do {                                                                         \
        size_t got_ = (expr);                                                    \
        if (got_ != (size_t)(want)) {                                            \
            printf("FAIL %s:%d: %s is %zu, want %zu\n", __FILE__, __LINE__, #expr, \
                   got_, (size_t)(want));                                        \
            failures++;                                                          \
        }                                                                        \
    } while (0)

int main(void) {
    CHECK(count_words(""), 0);
    CHECK(count_words("hello"), 1);
    CHECK(count_words("  hello   world  "), 2);
    CHECK(count_words("one\ttwo\nthree"), 3);

    /* EXERCISE: once count_lines works, uncomment these and add your own. */
    /* CHECK(count_lines(""), 0); */
    /* CHECK(count_lines("one line\n"), 1); */
    /* CHECK(count_lines("two\nlines"), 2); */

    if (failures == 0) printf("all tests passed\n");
    return failures;
}
