// epoll and eventfd for the HTTP/1.1 engine's event loops: Glibc's Swift module does not export these headers.
#include <sys/epoll.h>
#include <sys/eventfd.h>
