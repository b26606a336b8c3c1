#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

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

// Children run in a process group of their own: a Ctrl-C or a hangup on
// the terminal reaches cpucompat, which decides what a move does about it
// (stop_signals.h), not xl or ssh halfway through a step. A timeout kills
// the whole group.
struct OwnGroup {
    posix_spawnattr_t attr;
    OwnGroup() {
        posix_spawnattr_init(&attr);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    }
    ~OwnGroup() { posix_spawnattr_destroy(&attr); }
    OwnGroup(const OwnGroup &) = delete;
    OwnGroup &operator=(const OwnGroup &) = delete;
};

constexpr double kForever = 1e9;

}  // namespace

ProcessResult run_captured(const std::vector<std::string> &argv, double timeout_s) {
    Session child(argv, Session::Input::none);
    ProcessResult r;
    r.status = child.finish(timeout_s > 0 ? timeout_s : kForever);
    r.timed_out = child.timed_out();
    r.out = child.take_out();
    r.err = child.err();
    return r;
}

std::string self_exe() {
    std::error_code ec;
    const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? "cpucompat" : p.string();
}

double monotonic_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

namespace {

int wait_exit(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// This process's environment with `extra` ("NAME=value") set on top.
std::vector<std::string> environment_with(const std::vector<std::string> &extra) {
    std::vector<std::string> env;
    for (char **e = environ; e && *e; ++e) {
        const std::string var(*e);
        const std::string name = var.substr(0, var.find('='));
        bool replaced = false;
        for (const auto &x : extra) replaced = replaced || x.compare(0, name.size() + 1, name + "=") == 0;
        if (!replaced) env.push_back(var);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

}  // namespace

int run_passthrough(const std::vector<std::string> &argv) {
    pid_t pid;
    auto args = c_argv(argv);
    if (const int rc = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ))
        throw Error("cannot run " + argv[0] + ": " + std::strerror(rc));
    return wait_exit(pid);
}

int run_to_stderr(const std::vector<std::string> &argv, const std::vector<std::string> &env) {
    const std::vector<std::string> vars = environment_with(env);  // outlives envp's pointers into it
    std::vector<char *> envp;
    for (const auto &v : vars) envp.push_back(const_cast<char *>(v.c_str()));
    envp.push_back(nullptr);
    auto args = c_argv(argv);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, 2, 1);
    const OwnGroup group;
    pid_t pid;
    const int rc = posix_spawnp(&pid, args[0], &fa, &group.attr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc) throw Error("cannot run " + argv[0] + ": " + std::strerror(rc));
    return wait_exit(pid);
}

Session::Session(const std::vector<std::string> &argv, Input input) {
    int in[2] = {-1, -1}, out[2], err[2];
    if (input == Input::pipe ? pipe2(in, O_CLOEXEC) != 0 : (in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
        throw Error(std::string(input == Input::pipe ? "pipe: " : "/dev/null: ") + std::strerror(errno));
    if (pipe2(out, O_CLOEXEC)) {
        for (int fd : in)
            if (fd >= 0) close(fd);
        throw Error(std::string("pipe: ") + std::strerror(errno));
    }
    if (pipe2(err, O_CLOEXEC)) {
        for (int fd : {in[0], in[1], out[0], out[1]})
            if (fd >= 0) close(fd);
        throw Error(std::string("pipe: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    auto args = c_argv(argv);
    const OwnGroup group;
    pid_t pid;
    const int rc = posix_spawnp(&pid, args[0], &fa, &group.attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    for (int fd : {in[0], out[1], err[1]}) close(fd);
    in_ = in[1];
    out_ = out[0];
    errfd_ = err[0];
    if (rc) {
        for (int fd : {in_, out_, errfd_})
            if (fd >= 0) close(fd);
        throw Error("cannot run " + argv[0] + ": " + std::strerror(rc));
    }
    pid_ = pid;
}

Session::~Session() {
    if (pid_ > 0) {
        kill(-pid_, SIGKILL);
        wait_exit(pid_);
    }
    for (int fd : {in_, out_, errfd_})
        if (fd >= 0) close(fd);
}

bool Session::pump(double deadline, bool for_line) {
    const auto have_line = [&] { return out_buf_.find('\n') != std::string::npos; };
    const auto done = [&] { return for_line ? have_line() || out_ < 0 : out_ < 0 && errfd_ < 0; };
    while (!done()) {
        pollfd fds[2] = {{out_, POLLIN, 0}, {errfd_, POLLIN, 0}};  // poll skips a closed (-1) one
        const double left = deadline - monotonic_seconds();
        if (left <= 0) {
            timed_out_ = true;
            break;
        }
        if (poll(fds, 2, static_cast<int>(std::min(left, 3600.0) * 1000) + 1) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            int &fd = i ? errfd_ : out_;
            if (fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            const ssize_t n = read(fd, buf, sizeof buf);
            if (n > 0) (i ? err_ : out_buf_).append(buf, static_cast<std::size_t>(n));
            else if (n == 0 || errno != EINTR) {
                close(fd);
                fd = -1;
            }
        }
    }
    return have_line();
}

bool Session::read_line(std::string &line, double timeout_s) {
    timed_out_ = false;
    if (!pump(monotonic_seconds() + timeout_s, true)) return false;
    const auto nl = out_buf_.find('\n');
    line = out_buf_.substr(0, nl);
    out_buf_.erase(0, nl + 1);
    return true;
}

bool Session::write_line(const std::string &line) {
    if (in_ < 0) return false;
    // A reader that is gone raises SIGPIPE: held back here and taken off
    // again, so it is an error to report, not the end of this process.
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    const std::string data = line + "\n";
    const ssize_t n = write(in_, data.data(), data.size());
    const bool ok = n == static_cast<ssize_t>(data.size());
    if (!ok) {
        const timespec zero{0, 0};
        while (sigtimedwait(&pipe_set, nullptr, &zero) > 0) {}
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return ok;
}

int Session::finish(double timeout_s) {
    if (in_ >= 0) {
        close(in_);
        in_ = -1;
    }
    timed_out_ = false;
    pump(monotonic_seconds() + timeout_s, false);  // until it closes stdout and stderr
    if (timed_out_) kill(-pid_, SIGKILL);  // its children too (ssh under xl, say)
    const int status = wait_exit(pid_);
    pid_ = -1;
    return timed_out_ ? -1 : status;
}

std::optional<std::string> read_all(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) out.append(buf, static_cast<std::size_t>(n));
        else if (n == 0) return out;
        else if (errno != EINTR) return std::nullopt;
    }
}

std::vector<ProcessArgs> running_processes() {
    std::vector<ProcessArgs> out;
    const long self = static_cast<long>(getpid());
    std::error_code ec;
    // Entries come and go while we list: errors end the listing, never throw.
    for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
        const std::string pid = it->path().filename().string();
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
        if (std::stol(pid) == self) continue;
        // A process may exit between the listing and the read (the kernel
        // then answers read() with ESRCH): it is left out.
        const int fd = ::open(("/proc/" + pid + "/cmdline").c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        const std::optional<std::string> read = read_all(fd);
        ::close(fd);
        if (!read || read->empty()) continue;
        const std::string &raw = *read;
        ProcessArgs p{std::stol(pid), {}};
        for (std::size_t at = 0; at < raw.size();) {
            const std::size_t end = raw.find('\0', at);
            p.argv.push_back(raw.substr(at, end == std::string::npos ? std::string::npos : end - at));
            if (end == std::string::npos) break;
            at = end + 1;
        }
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace cpucompat
