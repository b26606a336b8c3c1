#include "move.h"

#include "process.h"

namespace cpucompat {

int exit_status(RestartOutcome o) {
    switch (o) {
    case RestartOutcome::moved: return 0;
    case RestartOutcome::not_started:
    case RestartOutcome::still_running:
    case RestartOutcome::recovered: return 1;
    case RestartOutcome::down:
    case RestartOutcome::unknown: break;
    }
    return 3;
}

nlohmann::ordered_json phase_json(const PhaseRecord &p) {
    return {{"phase", p.phase}, {"ok", p.ok}, {"seconds", p.seconds}, {"error", p.error}};
}

int carry_out_move(const MoveRequest &req, const DomainFacts &d, const ReceiverFacts &r, const Decision &dec,
                   bool force_shutdown, const std::function<void(const PhaseRecord &)> &on_phase,
                   nlohmann::ordered_json &record) {
    record["phases"] = nlohmann::ordered_json::array();
    const auto observe = [&](const PhaseRecord &p) {
        record["phases"].push_back(phase_json(p));
        if (on_phase) on_phase(p);
    };
    if (dec.kind == MoveKind::live) {
        const double t0 = monotonic_seconds();
        const int rc = run_live_migration(req, d.name);
        observe({"xl-migrate", rc == 0, monotonic_seconds() - t0, rc == 0 ? "" : "xl migrate exited with " + std::to_string(rc)});
        if (rc == 0) {
            record["outcome"] = outcome_name(RestartOutcome::moved);
            return 0;
        }
        // xl resumes the domain here when the receiver has not taken it over.
        const bool here = run_captured({"xl", "domid", d.name}).status == 0;
        record["outcome"] = here ? "not-moved" : outcome_name(RestartOutcome::unknown);
        record["failure"] = "xl-migrate: exited with " + std::to_string(rc);
        return here ? 1 : 3;
    }
    XlRestartSteps steps(req, d, r);
    const RestartReport rep = run_restart(steps, force_shutdown, monotonic_seconds, observe);
    record["outcome"] = outcome_name(rep.outcome);
    if (!rep.failure.empty()) record["failure"] = rep.failure;
    const int status = exit_status(rep.outcome);
    if (status == 3) record["saved_config"] = steps.saved_config();
    return status;
}

}  // namespace cpucompat
