/* The Logger component (see Logger.camkes): assembles each client's text into
 * lines and prints whole lines only. */
#include <camkes.h>
#include <stdio.h>
#include <string.h>

#define MAX_CLIENTS 32
#define LINE_CHARS 200

struct pending_line {
    size_t used;
    char text[LINE_CHARS];
};

/* Index 0 is for badges beyond MAX_CLIENTS (shared; still never mixed mid-line
 * with another client's output, only with other unnamed clients'). */
static struct pending_line lines[MAX_CLIENTS + 1];

static void print_line(seL4_Word badge, struct pending_line *line)
{
    size_t names = sizeof client_names / sizeof client_names[0];
    if (badge >= 1 && badge <= names && client_names[badge - 1] != NULL
            && client_names[badge - 1][0] != '\0') {
        printf("%s[%s] %.*s\n", prefix, client_names[badge - 1], (int)line->used, line->text);
    } else {
        printf("%s[client %lu] %.*s\n", prefix, (unsigned long)badge, (int)line->used,
               line->text);
    }
    fflush(stdout);
    line->used = 0;
}

void log_write(const char *text)
{
    seL4_Word badge = log_get_sender_id();
    struct pending_line *line = &lines[badge <= MAX_CLIENTS ? badge : 0];
    for (const char *c = text; *c != '\0'; c++) {
        if (*c == '\n') {
            print_line(badge, line);
            continue;
        }
        line->text[line->used++] = *c;
        if (line->used == LINE_CHARS)
            print_line(badge, line);
    }
}
