#include "restart.h"

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
    Runner(RestartReport &r, const std::function<double()> &now, const std::function<void(const PhaseRecord &)> &on_phase)
        : r_(r), now_(now), on_phase_(on_phase) {}

    // Runs one phase; false (and the failure recorded) if it threw.
    bool phase(const char *name, const std::function<void()> &f) {
        PhaseRecord p{name, false, 0, ""};
        const double t0 = now_();
        failure_ = Failure::none;
        try {
            f();
            p.ok = true;
        } catch (const std::exception &e) {
            failure_ = dynamic_cast<const LinkLost *>(&e)       ? Failure::link_lost
                       : dynamic_cast<const NotCommitted *>(&e) ? Failure::not_committed
                                                                : Failure::error;
            p.error = e.what();
            if (r_.failure.empty()) r_.failure = std::string(name) + ": " + e.what();
        }
        p.seconds = now_() - t0;
        r_.phases.push_back(p);
        if (on_phase_) on_phase_(p);
        return p.ok;
    }
    // How the last phase failed.
    enum class Failure { none, error, not_committed, link_lost };
    Failure failure() const { return failure_; }

    RestartReport &finish(RestartOutcome o) {
        r_.outcome = o;
        return r_;
    }

private:
    RestartReport &r_;
    const std::function<double()> &now_;
    const std::function<void(const PhaseRecord &)> &on_phase_;
    Failure failure_ = Failure::none;
};

}  // namespace

RestartReport run_restart(RestartSteps &s, bool force_shutdown, const std::function<double()> &now,
                          const std::function<void(const PhaseRecord &)> &on_phase) {
    RestartReport r;
    Runner run(r, now, on_phase);
    const auto restart_here = [&]() -> RestartReport & {
        return run.finish(run.phase("restart-on-sender", [&] { s.start_on_sender(); }) ? RestartOutcome::recovered
                                                                                        : RestartOutcome::down);
    };
    // A copy there may run: remove it before starting one here, or start nothing.
    const auto destroy_there_then_restart_here = [&]() -> RestartReport & {
        if (!run.phase("destroy-on-receiver", [&] { s.destroy_on_receiver(); })) return run.finish(RestartOutcome::unknown);
        return restart_here();
    };

    if (!run.phase("check", [&] { s.check_receiver(); }) || !run.phase("save-config", [&] { s.save_config(); }))
        return run.finish(RestartOutcome::not_started);
    bool gone = false;
    if (!run.phase("shutdown", [&] {
            gone = s.shutdown(force_shutdown);
            if (!gone) throw Error("the guest did not shut down in time; it keeps running here (--force-shutdown destroys it)");
        })) {
        // Not gone: it runs (or, if shutdown itself failed, it may be going
        // down; confirm_gone tells which).
        if (!gone && !run.phase("confirm-gone", [&] { s.confirm_gone(); })) return run.finish(RestartOutcome::still_running);
        return restart_here();  // it went down after all
    }
    if (!run.phase("confirm-gone", [&] { s.confirm_gone(); }))
        return run.finish(RestartOutcome::unknown);  // shut down, yet still listed: start nothing anywhere

    // The domain is down here from now on.
    if (!run.phase("create-on-receiver", [&] { s.create_paused_on_receiver(); }))
        return restart_here();  // never committed: no copy there can run
    if (!run.phase("commit-on-receiver", [&] { s.commit_on_receiver(); })) {
        if (run.failure() == Runner::Failure::not_committed) return restart_here();
        if (run.failure() == Runner::Failure::error) return destroy_there_then_restart_here();
        // No answer: ask again until the receiver tells whether it runs it.
        bool running = false;
        if (!run.phase("locate-on-receiver", [&] { running = s.running_on_receiver(); })) return run.finish(RestartOutcome::unknown);
        if (!running) return restart_here();
    }
    if (run.phase("first-sign-of-life", [&] { s.confirm_running_on_receiver(); })) return run.finish(RestartOutcome::moved);
    if (run.failure() == Runner::Failure::link_lost) return run.finish(RestartOutcome::unknown);  // it may run there
    return destroy_there_then_restart_here();
}

}  // namespace cpucompat
