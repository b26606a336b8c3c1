#include "private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "../toolstack/core/error.h"

namespace cpucompat {

namespace {

[[noreturn]] void fail(const std::string &path, const std::string &what) { throw Error(path + ": " + what); }

std::string errno_text() { return std::strerror(errno); }

void check_dir(const std::string &dir) {
    struct stat st {};
    if (lstat(dir.c_str(), &st) != 0) fail(dir, errno_text());
    if (S_ISLNK(st.st_mode)) fail(dir, "is a symlink; refusing to keep move state there");
    if (!S_ISDIR(st.st_mode)) fail(dir, "is not a directory");
    if (st.st_uid != 0 && st.st_uid != geteuid())
        fail(dir, "is owned by uid " + std::to_string(st.st_uid) + ", not root; refusing to keep move state there");
    if (st.st_mode & (S_IWGRP | S_IWOTH)) fail(dir, "is writable by group or others; refusing to keep move state there (chmod go-w)");
}

}  // namespace

void ensure_private_dir(const std::string &dir, unsigned mode) {
    const std::filesystem::path p(dir);
    if (p.has_parent_path() && p.parent_path() != p && !std::filesystem::exists(p.parent_path()))
        ensure_private_dir(p.parent_path().string(), 0755);
    if (mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) fail(dir, errno_text());
    check_dir(dir);
}

int open_private(const std::string &path, int flags) {
    const int fd = open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == ELOOP) fail(path, "is a symlink; refusing to follow it");
        fail(path, errno_text());
    }
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        fail(path, "is not a regular file");
    }
    return fd;
}

void write_durably(const std::string &path, const std::string &data) {
    const std::filesystem::path p(path);
    const std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
    const std::string tmp = dir + "/." + p.filename().string() + ".tmp" + std::to_string(getpid());
    unlink(tmp.c_str());  // a leftover of a crashed writer with this pid
    const int fd = open_private(tmp, O_WRONLY | O_CREAT | O_EXCL);
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = errno_text();
            close(fd);
            unlink(tmp.c_str());
            fail(tmp, "cannot write: " + why);
        }
        done += static_cast<size_t>(n);
    }
    if (fsync(fd) != 0) {
        const std::string why = errno_text();
        close(fd);
        unlink(tmp.c_str());
        fail(tmp, "fsync: " + why);
    }
    close(fd);
    if (rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = errno_text();
        unlink(tmp.c_str());
        fail(path, "rename: " + why);
    }
    const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        const std::string why = errno_text();
        if (dfd >= 0) close(dfd);
        fail(dir, "fsync of the directory: " + why);
    }
    close(dfd);
}

std::string read_private(const std::string &path, std::size_t max_bytes) {
    const int fd = open_private(path, O_RDONLY);
    std::string out;
    char buf[8192];
    for (;;) {
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const std::string why = errno_text();
            close(fd);
            fail(path, "cannot read: " + why);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > max_bytes) {
            close(fd);
            fail(path, "larger than " + std::to_string(max_bytes) + " bytes; refusing to read it");
        }
    }
    close(fd);
    return out;
}

}  // namespace cpucompat
