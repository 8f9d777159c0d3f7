#ifndef LECTERN_CCURL_SHIM_H
#define LECTERN_CCURL_SHIM_H
#include <curl/curl.h>
#endif
