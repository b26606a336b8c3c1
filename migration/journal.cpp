#include "journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "../toolstack/core/error.h"
#include "private_files.h"

namespace cpucompat {

namespace {

constexpr const char *kLockDir = "/run/cpucompat";
constexpr const char *kLogDir = "/var/log/cpucompat";

// Domain names may hold '/' and spaces; the lock file name may not.
std::string file_safe(const std::string &s) {
    std::string out;
    for (unsigned char c : s) out += std::isalnum(c) || c == '-' || c == '_' || c == '.' ? static_cast<char>(c) : '%';
    return out;
}

}  // namespace

MigrationLock::MigrationLock(const std::string &domain, const std::string &kind) {
    ensure_private_dir(kLockDir, 0755);
    const std::string path = std::string(kLockDir) + "/" + kind + "-" + file_safe(domain) + ".lock";
    fd_ = open_private(path, O_RDWR | O_CREAT);
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        char buf[32] = {};
        const ssize_t n = pread(fd_, buf, sizeof buf - 1, 0);
        close(fd_);
        fd_ = -1;
        throw LockBusy((kind == "migrate" ? "a migration of " : "a held copy of ") + domain + " is already " +
                       (kind == "migrate" ? "running" : "held") + (n > 0 ? " (pid " + std::string(buf) + ")" : "") + "; lock " + path);
    }
    const std::string pid = std::to_string(getpid());
    if (ftruncate(fd_, 0) != 0 || pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
        // The lock holds either way; the pid is only for the message.
    }
}

MigrationLock::~MigrationLock() {
    if (fd_ >= 0) close(fd_);  // releases the flock
}

void audit(const nlohmann::ordered_json &event) {
    // Receiver replies may hold invalid UTF-8: replaced, so the line is
    // always written.
    const std::string line = event.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    syslog(LOG_INFO, "cpucompat-migrate: %s", line.c_str());
    const std::string path = std::string(kLogDir) + "/migrations.log";
    try {
        ensure_private_dir(kLogDir, 0755);
        const int fd = open_private(path, O_WRONLY | O_CREAT | O_APPEND);
        const std::string data = line + "\n";
        const bool ok = write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
        close(fd);
        if (!ok) throw Error(path + ": " + std::strerror(errno));
    } catch (const Error &e) {
        std::cerr << "cpucompat: warning: cannot append to the audit log: " << e.what() << "\n";
    }
}

}  // namespace cpucompat
