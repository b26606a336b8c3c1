// Running commands (xl, ssh) as argument vectors: no shell on this side.
#pragma once

#include <string>
#include <vector>

namespace cpucompat {

struct ProcessResult {
    int status = -1;  // exit status; -1 if it did not exit normally or timed out
    bool timed_out = false;
    std::string out, err;
};

// Runs argv with stdin from /dev/null, capturing stdout and stderr. After
// timeout_s seconds (0: none) the process is killed and timed_out set.
ProcessResult run_captured(const std::vector<std::string> &argv, double timeout_s = 0);
// Runs argv with this process's stdout and stderr (progress passes through).
int run_passthrough(const std::vector<std::string> &argv);

// Seconds on CLOCK_MONOTONIC: for timeouts and phase durations.
double monotonic_seconds();

}  // namespace cpucompat
