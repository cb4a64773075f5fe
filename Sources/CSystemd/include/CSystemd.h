// libsystemd for the daemon: the journal and service notification.
#ifndef CSYSTEMD_H
#define CSYSTEMD_H

// Callers log their own CODE_FILE/CODE_LINE fields; without this, sd_journal_sendv is a macro.
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#endif
