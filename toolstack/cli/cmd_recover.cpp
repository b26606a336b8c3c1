// recover [DOMAIN...] | --all: finish the moves the journal holds open
// (migration/move_journal.h): a wrapper killed mid-move, a host rebooted
// mid-move, a held copy whose holder died. Each ends with exactly one
// running copy, or with nothing started and exit 3 when that cannot be
// known. Run at boot by cpucompat-recover.service, before xendomains.
#include <iostream>
#include <memory>

#include "../../migration/move.h"
#include "../../migration/recovery.h"
#include "../core/text.h"
#include "commands.h"
#include "output.h"

namespace cpucompat {

namespace {

nlohmann::ordered_json recovery_json(const RecoveryResult &r) {
    nlohmann::ordered_json j{{"journal", r.journal},
                             {"domain", r.entry.domain},
                             {"uuid", r.entry.uuid},
                             {"role", move_role_name(r.entry.role)},
                             {"step", move_step_name(r.entry.step)},
                             {"sender", r.entry.sender},
                             {"receiver", r.entry.receiver},
                             {"here", presence_name(r.here)},
                             {"there", r.entry.role == MoveRole::sender ? presence_name(r.there) : "-"},
                             {"busy", r.busy},
                             {"action", r.busy ? "none" : recover_action_name(r.plan.action)},
                             {"why", r.plan.why},
                             {"outcome", r.done ? r.plan.outcome : ""},
                             {"done", r.done},
                             {"error", r.error}};
    if (!r.quarantined.empty()) j["quarantined"] = r.quarantined;
    if (!r.autostart_disabled.empty()) j["autostart_disabled"] = r.autostart_disabled;
    return j;
}

void print_recovery(const RecoveryResult &r, bool dry_run) {
    const MoveEntry &e = r.entry;
    std::cout << terminal_safe(e.domain) << " (" << e.uuid << ", " << move_role_name(e.role) << ", step "
              << move_step_name(e.step) << "): ";
    if (r.busy) {
        std::cout << terminal_safe(r.error) << "\n";
        return;
    }
    std::cout << "here " << presence_name(r.here);
    if (e.role == MoveRole::sender) std::cout << ", on " << terminal_safe(e.receiver) << " " << presence_name(r.there);
    std::cout << " -> " << recover_action_name(r.plan.action) << " (" << terminal_safe(r.plan.why) << ")";
    if (!r.quarantined.empty()) std::cout << "; xendomains' save image " << (dry_run ? "would be " : "") << "moved to " << r.quarantined;
    for (const auto &a : r.autostart_disabled) std::cout << "; autostart here disabled: " << terminal_safe(a);
    if (r.done) std::cout << "; closed: " << r.plan.outcome;
    else if (!dry_run || !r.error.empty()) std::cout << "; NOT DONE: " << terminal_safe(r.error);
    std::cout << "\n";
}

}  // namespace

Runner add_recover(CLI::App &app, const GlobalOptions &g) {
    struct Opts {
        std::vector<std::string> domains;
        bool all = false, dry_run = false;
    };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("recover", "Finish the unfinished moves in the move journal: exactly one running copy, or nothing started");
    c->add_option("DOMAIN", o->domains, "only the moves of these domains (name or uuid)");
    c->add_flag("--all", o->all, "every unfinished move on this host (as the boot unit runs it)");
    c->add_flag("--dry-run", o->dry_run, "ask both hosts and print what would be done; change nothing");
    return [o, &g]() -> int {
        if (o->domains.empty() == !o->all) throw Error("recover: name the domains, or give --all (not both)");
        const MoveJournalStore journal;
        const auto listing = journal.open_moves();
        nlohmann::ordered_json j{{"journal", journal.dir()}, {"dry_run", o->dry_run}};
        j["moves"] = nlohmann::ordered_json::array();
        j["unreadable"] = listing.unreadable;
        int worst = 0;
        for (const auto &bad : listing.unreadable) {
            // Never guessed at: an entry that cannot be read is a move nobody can finish safely.
            if (!g.json) std::cerr << "cpucompat: cannot read a journal entry, left for you: " << bad << "\n";
            worst = 3;
        }
        std::vector<bool> matched(o->domains.size(), false);
        size_t handled = 0;
        for (const auto &open : listing.entries) {
            bool wanted = o->all;
            for (size_t i = 0; i < o->domains.size(); ++i)
                if (o->domains[i] == open.entry.domain || o->domains[i] == open.entry.uuid) wanted = matched[i] = true;
            if (!wanted) continue;
            ++handled;
            if (!g.json) std::cerr << "cpucompat:  ...  asking where " << open.entry.domain << " is" << std::endl;
            const RecoveryResult r = recover_entry(journal, open, o->dry_run);
            if (!g.json) print_recovery(r, o->dry_run);
            j["moves"].push_back(recovery_json(r));
            worst = std::max(worst, r.exit_status());
        }
        for (size_t i = 0; i < o->domains.size(); ++i)
            if (!matched[i] && !g.json) std::cout << o->domains[i] << ": no unfinished move in " << journal.dir() << "\n";
        if (handled == 0 && !g.json && o->all) std::cout << "no unfinished moves in " << journal.dir() << "\n";
        j["exit"] = worst;
        if (g.json) std::cout << json_text(j);
        return worst;
    };
}

}  // namespace cpucompat
