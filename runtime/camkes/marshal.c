/* Marshalling of RPC parameters into message registers: every item starts on a
 * word boundary; strings and arrays carry their length first. */
#include <camkes/runtime.h>
#include <stdlib.h>
#include <string.h>

#define WORD sizeof(seL4_Word)

static size_t words_for(size_t bytes) { return (bytes + WORD - 1) / WORD; }

void camkes_msg_put(camkes_msg_t *m, const void *data, size_t bytes)
{
    size_t n = words_for(bytes);
    if (m->error || n > m->capacity - m->pos || bytes > m->capacity_bytes - m->pos * WORD) {
        m->error = 1;
        return;
    }
    if (n) {
        if (!m->shared)
            m->buf[m->pos + n - 1] = 0; /* deterministic padding bytes */
        memcpy(&m->buf[m->pos], data, bytes);
    }
    m->pos += n;
}

void camkes_msg_put_array(camkes_msg_t *m, const void *data, size_t count, size_t elem)
{
    seL4_Word c = count;
    camkes_msg_put(m, &c, sizeof c);
    if (count && elem > (m->capacity * WORD) / count) {
        m->error = 1;
        return;
    }
    camkes_msg_put(m, data, count * elem);
}

void camkes_msg_put_string(camkes_msg_t *m, const char *s)
{
    if (m->shared) { /* a shared page holds the string as it is, NUL included */
        camkes_msg_put(m, s ? s : "", s ? strlen(s) + 1 : 1);
        return;
    }
    camkes_msg_put_array(m, s, s ? strlen(s) + 1 : 0, 1);
}

seL4_Word camkes_msg_send(camkes_msg_t *m)
{
    if (m->shared) { /* the reader bounds itself by the page and the items' own sizes */
        __atomic_thread_fence(__ATOMIC_RELEASE);
        return 0;
    }
    for (size_t i = 0; i < m->pos; i++)
        seL4_SetMR((int)i, m->words[i]);
    return m->pos;
}

void camkes_msg_receive(camkes_msg_t *m, seL4_Word length)
{
    if (m->shared) {
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        length = m->capacity;
    } else {
        if (length > seL4_MsgMaxLength)
            length = seL4_MsgMaxLength;
        for (size_t i = 0; i < length; i++)
            m->words[i] = seL4_GetMR((int)i);
    }
    m->pos = 0;
    m->length = length;
    m->error = 0;
}

void camkes_msg_get(camkes_msg_t *m, void *data, size_t bytes)
{
    size_t n = words_for(bytes);
    if (m->error || n > m->length - m->pos) {
        m->error = 1;
        memset(data, 0, bytes);
        return;
    }
    memcpy(data, &m->buf[m->pos], bytes);
    m->pos += n;
}

void *camkes_msg_get_array(camkes_msg_t *m, size_t *count, size_t elem)
{
    seL4_Word c = 0;
    camkes_msg_get(m, &c, sizeof c);
    *count = 0;
    if (m->error || (c && elem > ((m->length - m->pos) * WORD) / c)) {
        m->error = 1;
        return NULL;
    }
    size_t bytes = (size_t)c * elem;
    void *data = malloc(bytes ? bytes : 1);
    if (!data) {
        m->error = 1;
        return NULL;
    }
    camkes_msg_get(m, data, bytes);
    *count = c;
    return data;
}

char *camkes_msg_get_string(camkes_msg_t *m)
{
    if (m->shared) {
        if (m->error)
            return NULL;
        const char *at = (const char *)&m->buf[m->pos];
        size_t used = m->pos * WORD;
        size_t room = used < m->capacity_bytes ? m->capacity_bytes - used : 0;
        size_t n = 0;
        while (n < room && at[n]) /* strnlen is POSIX, not C11 */
            n++;
        if (n == room) { /* no NUL inside the page */
            m->error = 1;
            return NULL;
        }
        char *copy = malloc(n + 1);
        if (!copy) {
            m->error = 1;
            return NULL;
        }
        camkes_msg_get(m, copy, n + 1);
        return copy;
    }
    size_t n = 0;
    char *s = camkes_msg_get_array(m, &n, 1);
    if (!s)
        return NULL;
    if (n == 0 || s[n - 1] != '\0') { /* not NUL-terminated: refuse it */
        free(s);
        m->error = 1;
        return NULL;
    }
    return s;
}

void camkes_msg_put_strings(camkes_msg_t *m, char *const *strings, size_t count)
{
    seL4_Word c = count;
    camkes_msg_put(m, &c, sizeof c);
    for (size_t i = 0; i < count; i++)
        camkes_msg_put_string(m, strings[i]);
}

void camkes_free_strings(char **strings, size_t count)
{
    if (!strings)
        return;
    for (size_t i = 0; i < count; i++)
        free(strings[i]);
    free(strings);
}

char **camkes_msg_get_strings(camkes_msg_t *m, size_t *count)
{
    seL4_Word c = 0;
    camkes_msg_get(m, &c, sizeof c);
    *count = 0;
    if (m->error || c > m->capacity) { /* each string takes at least a word */
        m->error = 1;
        return NULL;
    }
    char **strings = calloc(c ? c : 1, sizeof *strings);
    if (!strings) {
        m->error = 1;
        return NULL;
    }
    for (size_t i = 0; i < c; i++) {
        strings[i] = camkes_msg_get_string(m);
        if (!strings[i]) {
            camkes_free_strings(strings, i);
            return NULL;
        }
    }
    *count = c;
    return strings;
}
