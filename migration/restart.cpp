#include "restart.h"

#include "../toolstack/core/error.h"

namespace cpucompat {

const char *outcome_name(RestartOutcome o) {
    switch (o) {
    case RestartOutcome::moved: return "moved";
    case RestartOutcome::not_started: return "not-started";
    case RestartOutcome::still_running: return "still-running";
    case RestartOutcome::recovered: return "recovered";
    case RestartOutcome::down: return "down";
    case RestartOutcome::unknown: break;
    }
    return "unknown";
}

namespace {

class Runner {
public:
    Runner(RestartReport &r, const std::function<double()> &now) : r_(r), now_(now) {}

    // Runs one phase; false (and the failure recorded) if it threw.
    bool phase(const char *name, const std::function<void()> &f) {
        PhaseRecord p{name, false, 0, ""};
        const double t0 = now_();
        try {
            f();
            p.ok = true;
        } catch (const std::exception &e) {
            p.error = e.what();
            if (r_.failure.empty()) r_.failure = std::string(name) + ": " + e.what();
        }
        p.seconds = now_() - t0;
        r_.phases.push_back(p);
        return p.ok;
    }

private:
    RestartReport &r_;
    const std::function<double()> &now_;
};

}  // namespace

RestartReport run_restart(RestartSteps &s, bool force_shutdown, const std::function<double()> &now) {
    RestartReport r;
    Runner run(r, now);
    if (!run.phase("check", [&] { s.check_receiver(); }) || !run.phase("save-config", [&] { s.save_config(); })) {
        r.outcome = RestartOutcome::not_started;
        return r;
    }
    bool gone = false;
    if (!run.phase("shutdown", [&] {
            gone = s.shutdown(force_shutdown);
            if (!gone) throw Error("the guest did not shut down in time; it keeps running here (--force-shutdown destroys it)");
        })) {
        // Not gone: it runs (or, if shutdown itself failed, it may be going
        // down; confirm_gone tells which).
        if (!gone && !run.phase("confirm-gone", [&] { s.confirm_gone(); })) {
            r.outcome = RestartOutcome::still_running;
            return r;
        }
        // It went down after all: restart it here.
        r.outcome = run.phase("restart-on-sender", [&] { s.start_on_sender(); }) ? RestartOutcome::recovered : RestartOutcome::down;
        return r;
    }
    if (!run.phase("confirm-gone", [&] { s.confirm_gone(); })) {
        r.outcome = RestartOutcome::unknown;  // shut down, yet still listed: start nothing anywhere
        return r;
    }
    if (run.phase("create-on-receiver", [&] { s.create_on_receiver(); }) &&
        run.phase("first-sign-of-life", [&] { s.confirm_running_on_receiver(); })) {
        r.outcome = RestartOutcome::moved;
        return r;
    }
    // Failed on the receiver: remove whatever is there, then come back here.
    if (!run.phase("destroy-on-receiver", [&] { s.destroy_on_receiver(); })) {
        r.outcome = RestartOutcome::unknown;  // a copy may run there: starting here could double it
        return r;
    }
    r.outcome = run.phase("restart-on-sender", [&] { s.start_on_sender(); }) ? RestartOutcome::recovered : RestartOutcome::down;
    return r;
}

}  // namespace cpucompat
