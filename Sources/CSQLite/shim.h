#ifndef LECTERN_CSQLITE_SHIM_H
#define LECTERN_CSQLITE_SHIM_H
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
// Binding with it makes SQLite copy the bytes before the Swift string's buffer goes away.
static inline sqlite3_destructor_type lectern_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}
#endif
