// The restart move (vendors differ): shut the domain down on the sender,
// start it on the receiver. The order and the recovery live here; the steps
// themselves (xl, ssh) are the edge's, behind RestartSteps, so every
// failure can be injected in tests.
//
// Invariants: the receiver's copy is created only once the sender's is
// confirmed gone, and created paused: it runs only once the sender has
// told it to (commit). A paused copy the sender never committed destroys
// itself (the receiver holds it on a lease), so after a failed create the
// sender may start the domain again without reaching the receiver. After a
// commit the sender restarts its own copy only once the receiver's is
// confirmed destroyed or absent. When the receiver cannot be reached to
// tell, nothing is started and the report says where the saved config is.
// The domain is started here again only when this move saw it shut down:
// one that went away through someone else (moved, stopped by its owner) is
// reported as skipped, never resurrected. Before each step that changes
// where the domain runs, hooks.record journals it (move_journal.h); a
// journal that cannot be written stops the move the way a failed step does.
// A stop request (a signal) before the receiver is told to run rolls the
// move back; after it, the move is finished: stopping then would leave the
// domain down.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "../toolstack/core/error.h"
#include "move_journal.h"

namespace cpucompat {

// The receiver could not be asked: the link to it failed and did not come
// back within the move's link timeout.
struct LinkLost : Error {
    using Error::Error;
};
// The commit never left the sender (the session to the receiver had
// already ended): the receiver's copy is destroyed there without it.
struct NotCommitted : Error {
    using Error::Error;
};

class RestartSteps {
public:
    virtual ~RestartSteps() = default;
    // Each throws Error (with a one-line reason) on failure.
    virtual void check_receiver() = 0;        // paths, memory, plugin there; touches nothing
    virtual void save_config() = 0;           // the domain's config, kept for both starts
    virtual bool shutdown(bool force) = 0;    // false: still running after the timeout (not forced)
    virtual void confirm_gone() = 0;          // no such domain on the sender any more
    // Its disks are the same on both hosts (storage_check.h), checked once
    // it is down here and before it is created there.
    virtual void check_storage() = 0;
    // Creates the domain paused on the receiver, on a lease. When it throws,
    // no copy there can ever run.
    virtual void create_paused_on_receiver() = 0;
    // Tells the receiver to run its copy. NotCommitted: it was never told;
    // LinkLost: no answer came, it may or may not run; Error: it answered
    // that it could not.
    virtual void commit_on_receiver() = 0;
    // Running there and using CPU time; LinkLost when it cannot be asked.
    virtual void confirm_running_on_receiver() = 0;
    // Whether the receiver runs the domain. A paused (uncommitted) copy is
    // destroyed and counts as not running. LinkLost when it cannot be asked.
    virtual bool running_on_receiver() = 0;
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
    skipped,        // it went away here through someone else: nothing started
    not_moved,      // a live move that failed: xl resumed it here
};
const char *outcome_name(RestartOutcome o);

struct RestartReport {
    RestartOutcome outcome = RestartOutcome::not_started;
    std::vector<PhaseRecord> phases;
    std::string failure;  // the first failure, if any
};

struct RestartHooks {
    // Told of each phase as it starts and ends (progress).
    std::function<void(const std::string &phase)> on_start;
    std::function<void(const PhaseRecord &)> on_phase;
    // Journals a step before it is taken; throws Error when it cannot.
    std::function<void(MoveStep)> record;
    // Whether a stop was asked for (a signal): checked between steps.
    std::function<bool()> stop_requested;
};

// now(): seconds on a monotonic clock (injected so tests are exact).
RestartReport run_restart(RestartSteps &steps, bool force_shutdown, const std::function<double()> &now,
                          const RestartHooks &hooks = {});

}  // namespace cpucompat
