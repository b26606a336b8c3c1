#include "move_report.h"

#include <iostream>
#include <sstream>

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
          << req.shutdown_timeout << " s" << (force_shutdown ? ", then destroy" : "") << "); create it on " << req.host
          << " paused with cpucompat create --hold, then run it there; on failure start it here again";
    }
    return s.str();
}

void print_outcome(const std::string &domain, const nlohmann::ordered_json &record) {
    std::cerr << "cpucompat: " << domain << ": " << record.value("outcome", "?");
    if (record.contains("saved_config"))
        std::cerr << " -- NOT RUNNING HERE; its config is kept at " << record["saved_config"].get<std::string>();
    std::cerr << std::endl;
}

}  // namespace cpucompat
