/* CNodes: capability lookup (a CPtr is a slot of the root CNode) and the
 * Copy / Mint / Move / Delete invocations. */
#include "kernel.h"

struct cap *cap_lookup(struct tcb *t, word_t cptr, word_t *err)
{
    if (cptr >= (1ull << t->cspace_bits)) {
        *err = MK_ERR_FAILED_LOOKUP;
        return NULL;
    }
    struct cap *c = &t->cspace[cptr];
    if (!c->type) {
        *err = MK_ERR_INVALID_CAPABILITY;
        return NULL;
    }
    return c;
}

/* Message: MR0 destination slot, MR1 source slot, MR2 rights, MR3 badge,
 * MR4 the source CNode (a CPtr in the caller's CSpace). */
word_t invoke_cnode(struct cap *cn, word_t label)
{
    word_t *mr = &current->ctx.x[REG_MR0];
    struct cap *slots = cn->cnode.slots;
    word_t size = 1ull << cn->cnode.size_bits;

    if (label == MK_INV_CNODE_DELETE) {
        if (mr[0] == 0 || mr[0] >= size)
            return MK_ERR_RANGE;
        kmemset(&slots[mr[0]], 0, sizeof(struct cap));
        return MK_ERR_NONE;
    }
    if (label != MK_INV_CNODE_COPY && label != MK_INV_CNODE_MINT && label != MK_INV_CNODE_MOVE)
        return MK_ERR_ILLEGAL_OPERATION;
    if (mi_len(current->ctx.x[REG_INFO]) < 5 || !current->ipcbuf)
        return MK_ERR_TRUNCATED_MESSAGE;
    word_t err;
    struct cap *root = cap_lookup(current, current->ipcbuf[MK_IPCBUF_MSG + 4], &err);
    if (!root)
        return err;
    if (root->type != BS_OBJ_CNODE)
        return MK_ERR_INVALID_CAPABILITY;
    struct cap *src_slots = root->cnode.slots;
    if (mr[0] == 0 || mr[0] >= size || mr[1] == 0 || mr[1] >= (1ull << root->cnode.size_bits))
        return MK_ERR_RANGE;
    struct cap *src = &src_slots[mr[1]], *dst = &slots[mr[0]];
    if (!src->type)
        return MK_ERR_FAILED_LOOKUP;
    if (dst->type)
        return MK_ERR_DELETE_FIRST;
    if (src == dst)
        return MK_ERR_NONE;
    struct cap copy = *src;
    if (label != MK_INV_CNODE_MOVE)
        copy.rights &= (uint8_t)mr[2];
    if (label == MK_INV_CNODE_MINT && mr[3] &&
        (copy.type == BS_OBJ_ENDPOINT || copy.type == BS_OBJ_NOTIFICATION)) {
        word_t *badge = copy.type == BS_OBJ_ENDPOINT ? &copy.ep.badge : &copy.ntfn.badge;
        if (*badge)
            return MK_ERR_ILLEGAL_OPERATION;   /* a badged cap keeps its badge */
        *badge = mr[3];
    }
    *dst = copy;
    if (label == MK_INV_CNODE_MOVE)
        kmemset(src, 0, sizeof(struct cap));
    return MK_ERR_NONE;
}
