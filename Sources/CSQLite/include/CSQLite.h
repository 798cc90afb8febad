// SQLite's C API (Debian's libsqlite3-dev), seen by Swift as a plain C module.
#include <sqlite3.h>
