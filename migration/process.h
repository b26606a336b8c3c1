// Running commands (xl, ssh) as argument vectors: no shell on this side.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "other_movers.h"

namespace cpucompat {

struct ProcessResult {
    int status = -1;  // exit status; -1 if it did not exit normally or timed out
    bool timed_out = false;
    std::string out, err;
};

// Runs argv with stdin from /dev/null, capturing stdout and stderr. After
// timeout_s seconds (0: none) the process (and its process group) is
// killed and timed_out set. Every command cpucompat runs, and every test
// that runs cpucompat, goes through this or Session: one spawn, one loop.
ProcessResult run_captured(const std::vector<std::string> &argv, double timeout_s = 0);
// Runs argv with this process's stdout and stderr (progress passes
// through), in the terminal's process group (xl migrate: as plain xl does).
int run_passthrough(const std::vector<std::string> &argv);
// The same with its stdout sent to this process's stderr, and `env`
// ("NAME=value") added to its environment: for a command whose stdout is
// kept for a protocol (cpucompat create --hold).
int run_to_stderr(const std::vector<std::string> &argv, const std::vector<std::string> &env = {});

// A command with a pipe to its stdin and one from its stdout, spoken to line
// by line (the sender's end of cpucompat create --hold over ssh); its
// stderr is collected. The destructor kills it if it still runs.
class Session {
public:
    enum class Input { pipe, none };  // none: stdin from /dev/null
    explicit Session(const std::vector<std::string> &argv, Input input = Input::pipe);
    ~Session();
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    // The next line of its stdout, without the newline; false at its end or
    // when timeout_s passed first (timed_out() tells which).
    bool read_line(std::string &line, double timeout_s);
    // false if it no longer reads (it exited, or the pipe broke).
    bool write_line(const std::string &line);
    // Closes its stdin and waits for it to exit, killing it after timeout_s;
    // its exit status, -1 if it was killed or did not exit normally.
    int finish(double timeout_s);
    bool timed_out() const { return timed_out_; }
    const std::string &err() const { return err_; }
    // What it wrote to stdout and no read_line took yet.
    std::string take_out() { return std::move(out_buf_); }

private:
    // Reads stdout and stderr until `deadline` (monotonic seconds, then
    // timed_out_), or until a whole line is there (for_line), or else until
    // both are closed. Whether a whole line is there.
    bool pump(double deadline, bool for_line);
    int pid_ = -1, in_ = -1, out_ = -1, errfd_ = -1;
    std::string out_buf_, err_;
    bool timed_out_ = false;
};

// This program's own path (to run `cpucompat create` again), "cpucompat"
// if /proc cannot tell.
std::string self_exe();

// Seconds on CLOCK_MONOTONIC: for timeouts and phase durations.
double monotonic_seconds();

// Everything left to read from `fd`, or nullopt on a read error: /proc's
// files of a process that exited answer ESRCH (an ifstream throws on that:
// "basic_filebuf::underflow error reading the file: No such process").
std::optional<std::string> read_all(int fd);

// Every other process's argument vector, from /proc/PID/cmdline (kernel
// threads, and processes gone while read, left out). For other_mover().
std::vector<ProcessArgs> running_processes();

}  // namespace cpucompat
