// PostgreSQL's client library libpq (Debian's libpq-dev), seen by Swift as a plain C module.
#include <postgresql/libpq-fe.h>
