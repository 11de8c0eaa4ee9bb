/* Glue errors: reported to the instance's handler, by default printed and fatal
 * for the thread that hit them (other threads and components keep running). */
#include <camkes/error.h>
#include <camkes/runtime.h>
#include <stdio.h>

static camkes_error_action_t default_handler(camkes_error_t *error)
{
    printf("camkes: %s: %s: %s\n", error->instance, error->interface, error->description);
    return CEA_HALT;
}

static camkes_error_handler_t handler = default_handler;

camkes_error_handler_t camkes_register_error_handler(camkes_error_handler_t h)
{
    camkes_error_handler_t old = handler;
    handler = h ? h : default_handler;
    return old;
}

camkes_error_action_t camkes_report_error(camkes_error_type_t type, const char *interface,
                                          const char *description)
{
    camkes_error_t e = {.type = type, .instance = get_instance_name(),
                        .interface = interface, .description = description};
    camkes_error_action_t action = handler(&e);
    if (action == CEA_HALT) {
        fflush(stdout);
        camkes_halt();
    }
    return action;
}
