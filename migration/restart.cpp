#include "restart.h"

namespace cpucompat {

const char *outcome_name(RestartOutcome o) {
    switch (o) {
    case RestartOutcome::moved: return "moved";
    case RestartOutcome::not_started: return "not-started";
    case RestartOutcome::still_running: return "still-running";
    case RestartOutcome::recovered: return "recovered";
    case RestartOutcome::down: return "down";
    case RestartOutcome::skipped: return "skipped";
    case RestartOutcome::not_moved: return "not-moved";
    case RestartOutcome::unknown: break;
    }
    return "unknown";
}

namespace {

class Runner {
public:
    Runner(RestartReport &r, const std::function<double()> &now, const RestartHooks &hooks) : r_(r), now_(now), hooks_(hooks) {}

    // Runs one phase; false (and the failure recorded) if it threw.
    bool phase(const char *name, const std::function<void()> &f) {
        if (hooks_.on_start) hooks_.on_start(name);
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
        }
        p.seconds = now_() - t0;
        done(p);
        return p.ok;
    }
    // Journals step s before it is taken; false (recorded) if it cannot.
    bool journal(MoveStep s) {
        if (!hooks_.record) return true;
        try {
            hooks_.record(s);
            return true;
        } catch (const std::exception &e) {
            done({"journal", false, 0, std::string("cannot record ") + move_step_name(s) + ": " + e.what()});
            return false;
        }
    }
    // Whether a stop was asked for; recorded as a failed phase if so.
    bool stop_requested() {
        if (!hooks_.stop_requested || !hooks_.stop_requested()) return false;
        done({"interrupted", false, 0, "a signal asked the move to stop"});
        return true;
    }
    // How the last phase failed.
    enum class Failure { none, error, not_committed, link_lost };
    Failure failure() const { return failure_; }

    RestartReport &finish(RestartOutcome o) {
        r_.outcome = o;
        return r_;
    }

private:
    void done(const PhaseRecord &p) {
        if (!p.ok && r_.failure.empty()) r_.failure = p.phase + ": " + p.error;
        r_.phases.push_back(p);
        if (hooks_.on_phase) hooks_.on_phase(p);
    }
    RestartReport &r_;
    const std::function<double()> &now_;
    const RestartHooks &hooks_;
    Failure failure_ = Failure::none;
};

}  // namespace

RestartReport run_restart(RestartSteps &s, bool force_shutdown, const std::function<double()> &now, const RestartHooks &hooks) {
    RestartReport r;
    Runner run(r, now, hooks);
    const auto restart_here = [&]() -> RestartReport & {
        run.journal(MoveStep::restarting_here);  // starting matters more than the record of it
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
    if (run.stop_requested() || !run.journal(MoveStep::shutdown_requested)) return run.finish(RestartOutcome::not_started);
    bool returned = false, gone = false;
    if (!run.phase("shutdown", [&] {
            gone = s.shutdown(force_shutdown);
            returned = true;
            if (!gone) throw Error("the guest did not shut down in time; it keeps running here (--force-shutdown destroys it)");
        })) {
        const bool went = run.phase("confirm-gone", [&] { s.confirm_gone(); });
        if (!went) return run.finish(RestartOutcome::still_running);
        // Gone after all. After our shutdown's timeout it was ours, slow:
        // back here. After a failed shutdown it went through someone else
        // (moved, stopped by its owner): not ours to start.
        return returned ? restart_here() : run.finish(RestartOutcome::skipped);
    }
    if (!run.phase("confirm-gone", [&] { s.confirm_gone(); }))
        return run.finish(RestartOutcome::unknown);  // shut down, yet still listed: start nothing anywhere

    // The domain is down here from now on.
    if (!run.journal(MoveStep::gone_here) || run.stop_requested()) return restart_here();
    if (!run.phase("storage-check", [&] { s.check_storage(); })) return restart_here();
    if (!run.phase("create-on-receiver", [&] { s.create_paused_on_receiver(); }))
        return restart_here();  // never committed: no copy there can run
    if (!run.journal(MoveStep::created_there) || run.stop_requested() || !run.journal(MoveStep::told_to_run))
        return destroy_there_then_restart_here();
    // From here on a stop request is not honoured: the receiver may run it.
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
