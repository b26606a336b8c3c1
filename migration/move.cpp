#include "move.h"

#include <unistd.h>

#include "process.h"

namespace cpucompat {

int MoveResult::exit_status() const {
    switch (outcome) {
    case RestartOutcome::moved: return 0;
    case RestartOutcome::not_started:
    case RestartOutcome::still_running:
    case RestartOutcome::recovered:
    case RestartOutcome::skipped:
    case RestartOutcome::not_moved: return 1;
    case RestartOutcome::down:
    case RestartOutcome::unknown: break;
    }
    return 3;
}

nlohmann::ordered_json phase_json(const PhaseRecord &p) {
    return {{"phase", p.phase}, {"ok", p.ok}, {"seconds", p.seconds}, {"error", p.error}};
}

nlohmann::ordered_json move_result_json(const MoveResult &m) {
    nlohmann::ordered_json j{{"outcome", outcome_name(m.outcome)}};
    j["phases"] = nlohmann::ordered_json::array();
    for (const auto &p : m.phases) j["phases"].push_back(phase_json(p));
    if (!m.failure.empty()) j["failure"] = m.failure;
    if (!m.saved_config.empty()) j["saved_config"] = m.saved_config;
    if (!m.journal.empty()) j["journal"] = m.journal;
    if (!m.autostart_disabled.empty()) j["autostart_disabled"] = m.autostart_disabled;
    if (!m.warnings.empty()) j["warnings"] = m.warnings;
    return j;
}

std::string this_host_name() {
    char buf[256] = {};
    return gethostname(buf, sizeof buf - 1) == 0 ? buf : "localhost";
}

void refuse_if_unfinished(const MoveJournalStore &journal, const std::string &domain, const std::string &uuid) {
    const auto l = journal.open_moves();
    for (const auto &bad : l.unreadable)
        throw Error("the move journal holds an entry that cannot be read (" + bad + "); look at it, then run cpucompat recover");
    for (const auto &o : l.entries)
        if (o.entry.role == MoveRole::sender && (o.entry.domain == domain || (!uuid.empty() && o.entry.uuid == uuid)))
            throw Error(domain + " has an unfinished move to " + o.entry.receiver + " (step " + move_step_name(o.entry.step) +
                        ", journal " + o.path + "): run `cpucompat recover " + o.entry.domain + "` first");
}

MoveResult carry_out_move(const MoveRequest &req, const DomainFacts &d, const ReceiverFacts &r, const Decision &dec,
                          bool force_shutdown, const MoveProgress &progress, const MoveJournalStore &journal) {
    MoveResult m;
    m.kind = dec.kind;
    if (dec.kind == MoveKind::live) {
        if (progress.on_start) progress.on_start("xl-migrate");
        const double t0 = monotonic_seconds();
        const int rc = run_live_migration(req, d.name);
        const PhaseRecord p{"xl-migrate", rc == 0, monotonic_seconds() - t0, rc == 0 ? "" : "xl migrate exited with " + std::to_string(rc)};
        m.phases.push_back(p);
        if (progress.on_phase) progress.on_phase(p);
        if (rc == 0) {
            m.outcome = RestartOutcome::moved;
            m.autostart_disabled = disable_autostart(d.name, req.host);
            return m;
        }
        // xl resumes the domain here when the receiver has not taken it over.
        const bool here = run_captured({"xl", "domid", d.name}, 60).status == 0;
        m.outcome = here ? RestartOutcome::not_moved : RestartOutcome::unknown;
        m.failure = "xl-migrate: exited with " + std::to_string(rc);
        return m;
    }
    if (req.storage_check == StorageCheck::none && !d.disks.empty())
        m.warnings.push_back("storage not checked (--storage-check=none): the receiver's disks are taken to be this host's");
    XlRestartSteps steps(req, d, r);
    MoveEntry entry;
    entry.role = MoveRole::sender;
    entry.domain = d.name;
    entry.uuid = d.uuid;
    entry.sender = this_host_name();
    entry.receiver = req.host;
    entry.ssh = req.ssh;
    entry.config = steps.start_config();
    entry.saved_config = steps.saved_config();
    entry.holder_pid = getpid();
    entry.shutdown_timeout = req.shutdown_timeout;
    bool journalled = false;
    RestartHooks hooks;
    hooks.on_start = progress.on_start;
    hooks.on_phase = progress.on_phase;
    hooks.stop_requested = progress.stop_requested;
    hooks.record = [&](MoveStep s) {
        advance(entry, s, unix_now());
        journal.write(entry);
        journalled = true;
    };
    const RestartReport rep = run_restart(steps, force_shutdown, monotonic_seconds, hooks);
    m.outcome = rep.outcome;
    m.phases = rep.phases;
    m.failure = rep.failure;
    if (m.exit_status() == 3) m.saved_config = steps.saved_config();
    if (m.outcome == RestartOutcome::moved) m.autostart_disabled = disable_autostart(d.name, req.host);
    if (!journalled) return m;
    try {
        if (m.exit_status() == 3) {
            entry.outcome = outcome_name(rep.outcome);  // left open: recover finishes it
            journal.write(entry);
            m.journal = journal.path_of(entry);
        } else {
            journal.finish(entry, outcome_name(rep.outcome), unix_now());
        }
    } catch (const Error &e) {
        if (m.failure.empty()) m.failure = std::string("journal: ") + e.what();
        m.journal = journal.path_of(entry);
    }
    return m;
}

}  // namespace cpucompat
