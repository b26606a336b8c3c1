#include "move_report.h"

#include <iostream>
#include <sstream>

#include "../../migration/stop_signals.h"
#include "../core/text.h"

namespace cpucompat {

void print_decision(const std::string &domain, const std::string &host, const Decision &dec) {
    std::cerr << "cpucompat: " << domain << " -> " << host << ": " << move_kind_name(dec.kind) << " (" << dec.reason << ")"
              << std::endl;
}

void print_phase(const PhaseRecord &p) {
    std::cerr << "cpucompat: " << (p.ok ? "  ok   " : "  FAIL ") << p.phase << " (" << p.seconds << " s)"
              << (p.error.empty() ? "" : ": " + terminal_safe(p.error)) << std::endl;  // may quote the receiver
}

std::string plan_text(const MoveRequest &req, const std::string &domain, MoveKind kind, bool force_shutdown) {
    std::ostringstream s;
    if (kind == MoveKind::live) {
        s << "plan: xl migrate " << domain << " " << req.host;
    } else {
        s << "plan: check " << req.host << " (paths, memory, plugin); shut " << domain << " down here (timeout "
          << req.shutdown_timeout << " s" << (force_shutdown ? ", then destroy" : "") << "); "
          << (req.storage_check == StorageCheck::digest ? "check its disks are the same on both hosts (size, first and last MiB); "
                                                          : "its disks NOT checked (--storage-check=none); ")
          << "create it on " << req.host
          << " paused with cpucompat create --hold, then run it there; on failure start it here again";
    }
    return s.str();
}

void print_outcome(const std::string &domain, const MoveResult &m) {
    std::cerr << "cpucompat: " << domain << ": " << outcome_name(m.outcome);
    if (!m.saved_config.empty()) std::cerr << " -- NOT RUNNING HERE; its config is kept at " << m.saved_config;
    for (const auto &a : m.autostart_disabled) std::cerr << "; xendomains will not start it here again: " << a;
    if (!m.journal.empty()) std::cerr << "; the move is unfinished (" << m.journal << "): run `cpucompat recover " << domain << "`";
    std::cerr << std::endl;
}

MoveProgress move_progress(const std::string &domain, bool json) {
    MoveProgress p;
    p.on_start = [domain, json](const std::string &phase) {
        StopSignals::doing(phase + " of " + domain);
        if (!json) std::cerr << "cpucompat:  ...  " << phase << std::endl;
    };
    if (!json) p.on_phase = print_phase;
    p.stop_requested = [] { return StopSignals::requested(); };
    return p;
}

}  // namespace cpucompat
