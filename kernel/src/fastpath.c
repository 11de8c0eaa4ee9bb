/* IPC fastpath for Call and ReplyRecv (filled in below the slow path). */
#include "kernel.h"

bool fastpath_call(word_t cptr, word_t info)
{
    (void)cptr; (void)info;
    return false;
}

bool fastpath_reply_recv(word_t cptr, word_t info)
{
    (void)cptr; (void)info;
    return false;
}
