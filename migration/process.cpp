#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../toolstack/core/error.h"

extern char **environ;

namespace cpucompat {

namespace {

std::vector<char *> c_argv(const std::vector<std::string> &argv) {
    if (argv.empty()) throw Error("internal: empty command");
    std::vector<char *> v;
    for (const auto &a : argv) v.push_back(const_cast<char *>(a.c_str()));
    v.push_back(nullptr);
    return v;
}

}  // namespace

ProcessResult run_captured(const std::vector<std::string> &argv, double timeout_s) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) throw Error(std::string("pipe: ") + std::strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    pid_t pid;
    auto args = c_argv(argv);
    const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    close(err[1]);
    ProcessResult r;
    if (rc) {
        close(out[0]);
        close(err[0]);
        throw Error("cannot run " + argv[0] + ": " + std::strerror(rc));
    }
    const double deadline = timeout_s > 0 ? monotonic_seconds() + timeout_s : 0;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        int wait_ms = -1;
        if (deadline > 0) {
            const double left = deadline - monotonic_seconds();
            if (left <= 0) {
                kill(pid, SIGKILL);
                r.timed_out = true;
                break;
            }
            wait_ms = static_cast<int>(left * 1000) + 1;
        }
        if (poll(fds, 2, wait_ms) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            const ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n > 0) (i ? r.err : r.out).append(buf, static_cast<std::size_t>(n));
            else {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto &f : fds)
        if (f.fd >= 0) close(f.fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    r.status = !r.timed_out && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

double monotonic_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int run_passthrough(const std::vector<std::string> &argv) {
    pid_t pid;
    auto args = c_argv(argv);
    if (const int rc = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ))
        throw Error("cannot run " + argv[0] + ": " + std::strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace cpucompat
