/* gen_nexttoken.c - a character-level next-token task from text (the
 * multi-class distillation experiment in miniature).
 *
 *   cc -O2 scripts/gen_nexttoken.c -o gen_nexttoken
 *   gen_nexttoken CONTEXT < text > file.svm
 *
 * The text is folded to a small alphabet: letters lower-cased, every run of
 * white space one space, every other byte outside printable ASCII dropped.
 * Each position after the first CONTEXT characters is one row: its label is
 * the next character's class (its index in the sorted alphabet of the whole
 * text, so any CONTEXT gives the same classes), its features the CONTEXT
 * previous characters one-hot by position: feature (p - 1) * A + c + 1 = 1
 * for the character of class c, p characters back (A = alphabet size).
 * Different CONTEXTs over the same text give the same rows in the same
 * order when the first rows are dropped: rows start at position MAXCTX = 16
 * whatever CONTEXT is, so a long-context teacher and a short-context student
 * see the same examples line by line. Deterministic.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

enum { MAXCTX = 16 };

int main(int argc, char **argv)
{
    int ctx = argc > 1 ? atoi(argv[1]) : 0;
    if (argc != 2 || ctx < 1 || ctx > MAXCTX) {
        fprintf(stderr, "usage: gen_nexttoken CONTEXT (1..%d) < text > file.svm\n", MAXCTX);
        return 2;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *t = malloc(cap);
    int ch, space = 1;
    while (t && (ch = getchar()) != EOF) {
        if (isspace(ch)) {
            if (space)
                continue;
            ch = ' ', space = 1;
        } else if (ch < 0x21 || ch > 0x7e) {
            continue;
        } else {
            ch = tolower(ch), space = 0;
        }
        if (n == cap && !(t = realloc(t, cap *= 2)))
            break;
        t[n++] = (unsigned char)ch;
    }
    if (!t) {
        fprintf(stderr, "gen_nexttoken: out of memory\n");
        return 1;
    }
    int class_of[256], A = 0;
    for (int c = 0; c < 256; c++)
        class_of[c] = -1;
    for (size_t i = 0; i < n; i++)
        class_of[t[i]] = 0;
    for (int c = 0; c < 256; c++)
        if (class_of[c] == 0)
            class_of[c] = A++;
    for (size_t i = MAXCTX; i < n; i++) {
        printf("%d", class_of[t[i]]);
        for (int p = 1; p <= ctx; p++)
            printf(" %d:1", (p - 1) * A + class_of[t[i - p]] + 1);
        putchar('\n');
    }
    free(t);
    return ferror(stdout) ? 1 : 0;
}
