#include <camkes.h>
#include <stdio.h>

int run(void)
{
    printf("%s: %s!\n", get_instance_name(), greeting);
    return 0;
}
