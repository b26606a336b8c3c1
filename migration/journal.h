// What `cpucompat migrate` leaves behind: a lock per domain, held for the
// whole move and released by the kernel if the wrapper dies (flock), and
// an audit trail of every decision and phase.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "../toolstack/core/error.h"

namespace cpucompat {

// Another process holds the lock.
struct LockBusy : Error {
    using Error::Error;
};

class MigrationLock {
public:
    // Throws LockBusy naming the holder's pid when another migration of
    // this domain runs (or, kind "held", another holder of this held copy).
    explicit MigrationLock(const std::string &domain, const std::string &kind = "migrate");
    ~MigrationLock();
    MigrationLock(const MigrationLock &) = delete;
    MigrationLock &operator=(const MigrationLock &) = delete;

private:
    int fd_ = -1;
};

// One JSON line to /var/log/cpucompat/migrations.log and to syslog. A log
// that cannot be written is reported on stderr; the move goes on.
void audit(const nlohmann::ordered_json &event);

}  // namespace cpucompat
