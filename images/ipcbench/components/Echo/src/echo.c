#include <camkes.h>

int echo_echo(int x) { return x; }
