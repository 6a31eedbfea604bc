/* The fast path of the nccl-tests text parser: every ordinary table row, found in one pass.
 *
 * A row is: an optional launcher prefix (srun "0: ", Open MPI "[1,0]<stdout>:", MPICH "[0] "),
 * size and count (ASCII digits), a type from the caller's list, an optional redop from its list,
 * an optional root, then two halves of (time algbw busbw #wrong), blanks and tabs between, "\r" allowed
 * before the end of the line. Values are what fastrows.number() accepts: a digit, '.' or '-' first
 * (a '-' followed by a digit or '.'), a digit last, only digits . - + e E, and strtod reading all of it
 * without overflow. #wrong is a count, N/A or such a number. Anything else on a line (other bytes, a
 * value out of range) makes it no row here: the Python line parser reads it. This scanner is only ever
 * stricter than that parser, and tests hold the two to the same rows.
 *
 * Output per row: ints[9] = line (1-based, counting '\n'), size, count, root (-1 when none), has_root,
 * wrong out-of-place, wrong in-place (a count; -1 for N/A or a deviation), occurrence (the n-th time
 * this size, type, redop and root came among the rows), and the type and redop as one number;
 * vals[6] = the six values;
 * into tokbuf, each field ended by '\n': type, redop ("" when none), then twice "time algbw busbw" and
 * #wrong as printed (6 fields a row).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FB_ROWS_ABI 3
#define MAX_TOKENS 13 /* size count type redop root, then 8 */
#define COLS 9 /* ints a row: see the top */
#define MAX_DIGITS 18 /* fits a signed 64-bit integer; longer is left to Python */

int fb_rows_abi(void) { return FB_ROWS_ABI; }

static int is_blank(char c) { return c == ' ' || c == '\t'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* A name from a ' '-separated list: its 1-based place when tok[0:len] is one of them, else 0. */
static int in_list(const char *list, const char *tok, long len) {
    const char *p = list;
    int k = 1;
    while (*p) {
        const char *q = p;
        while (*q && *q != ' ') q++;
        if (q - p == len && memcmp(p, tok, (size_t)len) == 0) return k;
        p = *q ? q + 1 : q;
        k++;
    }
    return 0;
}

/* Occurrences: the n-th time a (size, type, redop, root) key appeared among the rows, in an
 * open-addressing table of twice the row capacity (nccl-tests -N cycles and concatenated runs repeat
 * keys; the Python caller would otherwise count them row by row). */
typedef struct {
    long long size, root, kind; /* kind: type x 64 + redop */
    long seen;                  /* 0: an empty slot */
} Slot;

static long occurrence(Slot *table, long mask, long long size, long long kind, long long root) {
    unsigned long long h = (unsigned long long)size * 0x9E3779B97F4A7C15ULL
                           ^ (unsigned long long)(root + 1) * 0xC2B2AE3D27D4EB4FULL
                           ^ (unsigned long long)kind * 0x165667B19E3779F9ULL;
    for (long i = (long)(h >> 17) & mask;; i = (i + 1) & mask) {
        Slot *s = &table[i];
        if (s->seen == 0) {
            s->size = size; s->root = root; s->kind = kind; s->seen = 1;
            return 0;
        }
        if (s->size == size && s->root == root && s->kind == kind) return s->seen++;
    }
}

/* Unsigned decimal integer of at most MAX_DIGITS digits filling tok; -1 otherwise. */
static long long integer(const char *tok, long len) {
    if (len < 1 || len > MAX_DIGITS) return -1;
    long long v = 0;
    for (long i = 0; i < len; i++) {
        if (!is_digit(tok[i])) return -1;
        v = v * 10 + (tok[i] - '0');
    }
    return v;
}

static const double POW10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* '-'? digits ('.' digits)? with at most 15 digits: mantissa / 10^decimals, both exact doubles, so the
 * one IEEE division is correctly rounded, the same double strtod (and Python's float) gives. */
static int plain_decimal(const char *tok, long len, double *out) {
    long i = tok[0] == '-', digits = 0, decimals = -1;
    long long m = 0;
    for (; i < len; i++) {
        char d = tok[i];
        if (is_digit(d)) {
            if (++digits > 15) return 0;
            m = m * 10 + (d - '0');
            if (decimals >= 0) decimals++;
        } else if (d == '.' && decimals < 0) {
            decimals = 0;
        } else {
            return 0;
        }
    }
    if (digits == 0) return 0;
    double v = (double)m / POW10[decimals > 0 ? decimals : 0];
    *out = tok[0] == '-' ? -v : v;
    return 1;
}

static int value(const char *tok, long len, double *out) {
    char buf[64];
    if (len < 1 || len >= (long)sizeof buf || !is_digit(tok[len - 1])) return 0;
    char c = tok[0] == '-' && len > 1 ? tok[1] : tok[0];
    if (!(is_digit(c) || c == '.')) return 0;
    for (long i = 0; i < len; i++) {
        char d = tok[i];
        if (!(is_digit(d) || d == '.' || d == '-' || d == '+' || d == 'e' || d == 'E')) return 0;
    }
    if (plain_decimal(tok, len, out)) return 1;
    memcpy(buf, tok, (size_t)len);
    buf[len] = 0;
    char *end;
    errno = 0;
    *out = strtod(buf, &end);
    return end == buf + len && errno != ERANGE;
}

/* #wrong: a count (>= 0), N/A or a deviation (-1); 0 when it is none of them. */
static int wrong(const char *tok, long len, long long *out) {
    double ignored;
    long long n = integer(tok, len);
    if (n >= 0) { *out = n; return 1; }
    if (len == 3 && memcmp(tok, "N/A", 3) == 0) { *out = -1; return 1; }
    if (value(tok, len, &ignored)) { *out = -1; return 1; }
    return 0;
}

static const char *skip_prefix(const char *p, const char *end) {
    const char *q = p;
    if (q < end && *q == '[') { /* "[1,0]<stdout>:" or "[0] " */
        q++;
        const char *d = q;
        while (q < end && is_digit(*q)) q++;
        if (q == d) return p;
        if (q < end && *q == ']') return (q + 1 < end && is_blank(q[1])) ? q + 2 : p;
        if (q >= end || *q != ',') return p;
        d = ++q;
        while (q < end && is_digit(*q)) q++;
        if (q == d || end - q < 10 || memcmp(q, "]<stdout>:", 10) != 0) return p;
        return q + 10;
    }
    while (q < end && is_blank(*q)) q++; /* "  0: " */
    const char *d = q;
    while (q < end && is_digit(*q)) q++;
    if (q > d && q + 1 < end && *q == ':' && is_blank(q[1])) return q + 2;
    return p;
}

/* One line [p, end) -> 1 and the row, or 0. */
static int row(const char *p, const char *end, const char *types, const char *redops,
               long long *ints, double *vals, const char **tok, long *tlen) {
    p = skip_prefix(p, end);
    while (p < end && is_blank(*p)) p++;
    if (p >= end || !is_digit(*p)) return 0; /* most lines: '#' comments, NCCL INFO: no need to split them */
    while (end > p && (end[-1] == '\r' || is_blank(end[-1]))) end--;
    int n = 0;
    while (p < end) {
        while (p < end && is_blank(*p)) p++;
        if (p >= end) break;
        if (n == MAX_TOKENS) return 0;
        tok[n] = p;
        while (p < end && !is_blank(*p)) {
            unsigned char c = (unsigned char)*p;
            if (c < 0x21 || c > 0x7e) return 0; /* a control or non-ASCII byte: the line parser decides */
            p++;
        }
        tlen[n] = p - tok[n];
        n++;
    }
    if (n < 11) return 0;
    long long size = integer(tok[0], tlen[0]), count = integer(tok[1], tlen[1]);
    int type = size < 0 || count < 0 ? 0 : in_list(types, tok[2], tlen[2]);
    if (!type) return 0;
    int i = 3, redop = in_list(redops, tok[3], tlen[3]), has_redop = redop > 0;
    if (has_redop) i++;
    long long root = -1;
    int has_root = n - i == 9;
    if (has_root) {
        int neg = tok[i][0] == '-';
        long long r = integer(tok[i] + neg, tlen[i] - neg);
        if (r < 0) return 0;
        root = neg ? -r : r;
        i++;
    } else if (n - i != 8) {
        return 0;
    }
    long long w1, w2;
    if (!value(tok[i], tlen[i], &vals[0]) || !value(tok[i + 1], tlen[i + 1], &vals[1])
        || !value(tok[i + 2], tlen[i + 2], &vals[2]) || !wrong(tok[i + 3], tlen[i + 3], &w1)
        || !value(tok[i + 4], tlen[i + 4], &vals[3]) || !value(tok[i + 5], tlen[i + 5], &vals[4])
        || !value(tok[i + 6], tlen[i + 6], &vals[5]) || !wrong(tok[i + 7], tlen[i + 7], &w2))
        return 0;
    ints[1] = size; ints[2] = count; ints[3] = root; ints[4] = has_root; ints[5] = w1; ints[6] = w2;
    ints[8] = type * 64 + redop; /* the key's type and redop; fb_scan_rows makes ints[7], the occurrence */
    /* type, redop, the eight half tokens: shift so tok[0..9] are what goes out */
    const char *keep[10];
    long keep_len[10];
    keep[0] = tok[2]; keep_len[0] = tlen[2];
    keep[1] = tok[3]; keep_len[1] = has_redop ? tlen[3] : 0;
    for (int k = 0; k < 8; k++) { keep[2 + k] = tok[i + k]; keep_len[2 + k] = tlen[i + k]; }
    for (int k = 0; k < 10; k++) { tok[k] = keep[k]; tlen[k] = keep_len[k]; }
    return 1;
}

/* Scan text[0:len]; returns the rows written (at most cap; tokbuf holds at most tokcap bytes, *used
 * says how many were written), or -1 when an output is too small (the caller sizes them from the
 * text: one row a line, len bytes and a separator a token). */
long fb_scan_rows(const char *text, long len, const char *types, const char *redops, long cap,
                  long long *ints, double *vals, char *tokbuf, long tokcap, long *used_out) {
    long rows = 0, used = 0, line = 1;
    const char *p = text, *end = text + len;
    const char *tok[MAX_TOKENS];
    long tlen[MAX_TOKENS];
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if (rows >= cap) return -1;
        if (eol - p >= 21 && row(p, eol, types, redops, ints + COLS * rows, vals + 6 * rows, tok, tlen)) {
            ints[COLS * rows] = line;
            for (int k = 0; k < 10; k++) { /* type \n redop \n t a b \n wrong \n t a b \n wrong \n */
                if (used + tlen[k] + 1 > tokcap) return -1;
                memcpy(tokbuf + used, tok[k], (size_t)tlen[k]);
                used += tlen[k];
                tokbuf[used++] = k == 2 || k == 3 || k == 6 || k == 7 ? ' ' : '\n';
            }
            rows++;
        }
        if (!nl) break;
        p = nl + 1;
        line++;
    }
    *used_out = used;
    long slots = 16;
    while (slots < 2 * rows) slots *= 2;
    Slot *table = calloc((size_t)slots, sizeof(Slot));
    if (!table) return -1;
    for (long r = 0; r < rows; r++) {
        long long *row_ints = ints + COLS * r;
        row_ints[7] = occurrence(table, slots - 1, row_ints[1], row_ints[8], row_ints[3]);
    }
    free(table);
    return rows;
}
