// The restart move (vendors differ): shut the domain down on the sender,
// start it on the receiver. The order and the recovery live here; the steps
// themselves (xl, ssh) are the edge's, behind RestartSteps, so every
// failure can be injected in tests.
//
// Invariants: the receiver's copy is created only once the sender's is
// confirmed gone; the sender's is restarted only once the receiver's is
// confirmed destroyed (or was never created). When neither can be known,
// nothing is started and the report says where the saved config is.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace cpucompat {

class RestartSteps {
public:
    virtual ~RestartSteps() = default;
    // Each throws Error (with a one-line reason) on failure.
    virtual void check_receiver() = 0;        // paths, memory, plugin there; touches nothing
    virtual void save_config() = 0;           // the domain's config, kept for both starts
    virtual bool shutdown(bool force) = 0;    // false: still running after the timeout (not forced)
    virtual void confirm_gone() = 0;          // no such domain on the sender any more
    virtual void create_on_receiver() = 0;
    virtual void confirm_running_on_receiver() = 0;
    virtual void destroy_on_receiver() = 0;   // any copy there, half-built or not
    virtual void start_on_sender() = 0;       // from the saved config
};

struct PhaseRecord {
    std::string phase;  // "check", "save-config", "shutdown", ...
    bool ok = false;
    double seconds = 0;
    std::string error;
};

enum class RestartOutcome {
    moved,          // running on the receiver only
    not_started,    // failed before the shutdown: untouched on the sender
    still_running,  // the guest ignored the shutdown: untouched on the sender
    recovered,      // failed after the shutdown; running again on the sender
    down,           // failed and could not be restarted anywhere: config kept
    unknown,        // the receiver's state is unknown: nothing restarted, see the report
};
const char *outcome_name(RestartOutcome o);

struct RestartReport {
    RestartOutcome outcome = RestartOutcome::not_started;
    std::vector<PhaseRecord> phases;
    std::string failure;  // the first failure, if any
};

// now(): seconds on a monotonic clock (injected so tests are exact).
RestartReport run_restart(RestartSteps &steps, bool force_shutdown, const std::function<double()> &now);

}  // namespace cpucompat
