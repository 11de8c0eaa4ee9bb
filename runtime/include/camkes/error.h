/* Errors the glue code reports (marshalling failures, bad method numbers). */
#ifndef CAMKES_ERROR_H
#define CAMKES_ERROR_H

typedef enum {
    CE_NO_ERROR = 0,
    CE_BUFFER_LENGTH_EXCEEDED, /* arguments do not fit the IPC buffer */
    CE_MALFORMED_RPC_PAYLOAD,  /* a reply or request shorter than its parameters */
    CE_INVALID_METHOD_INDEX,   /* a request for a method the server does not have */
    CE_ALLOCATION_FAILURE,     /* malloc failed while unmarshalling */
    CE_SYSCALL_FAILED,
} camkes_error_type_t;

typedef struct {
    camkes_error_type_t type;
    const char *instance;
    const char *interface;
    const char *description;
} camkes_error_t;

/* What a handler tells the glue to do after an error. */
typedef enum {
    CEA_HALT,    /* stop this thread */
    CEA_DISCARD, /* drop the current message and carry on */
} camkes_error_action_t;

typedef camkes_error_action_t (*camkes_error_handler_t)(camkes_error_t *error);

/* Install a handler for glue errors of this instance; returns the previous one.
 * The default handler prints the error and halts the thread. */
camkes_error_handler_t camkes_register_error_handler(camkes_error_handler_t handler);

/* Called by the glue; returns what to do. */
camkes_error_action_t camkes_report_error(camkes_error_type_t type, const char *interface,
                                          const char *description);

#endif
