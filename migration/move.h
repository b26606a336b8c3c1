// The move of one domain once it is decided: what `cpucompat migrate` and
// `cpucompat evacuate` both do after their decision. The result is a value
// (MoveResult); the audit line, the --json output and the printed report
// are views of it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "decision.h"
#include "move_journal_store.h"
#include "restart.h"
#include "xl_moves.h"

namespace cpucompat {

struct MoveResult {
    MoveKind kind = MoveKind::refuse;
    RestartOutcome outcome = RestartOutcome::not_started;
    std::vector<PhaseRecord> phases;
    std::string failure;       // the first failure, "" if none
    std::string saved_config;  // the config kept here, when the domain runs nowhere known
    std::string journal;       // the open journal entry, when `cpucompat recover` must finish the move
    std::vector<std::string> autostart_disabled;  // /etc/xen/auto entries renamed (xl_moves.h)
    std::vector<std::string> warnings;            // e.g. a restart without the storage check
    // 0 moved; 1 not moved, the domain runs here (or went away through
    // someone else); 3 running nowhere known (down, unknown).
    int exit_status() const;
};
nlohmann::ordered_json move_result_json(const MoveResult &m);
nlohmann::ordered_json phase_json(const PhaseRecord &p);

struct MoveProgress {
    std::function<void(const std::string &phase)> on_start;
    std::function<void(const PhaseRecord &)> on_phase;
    std::function<bool()> stop_requested;  // a signal asked to stop (restart.h says when it is honoured)
};

// Runs a live move (xl migrate, its progress on this terminal) or a restart
// (restart.h) journalled in `journal` (move_journal.h), as `dec` says.
MoveResult carry_out_move(const MoveRequest &req, const DomainFacts &d, const ReceiverFacts &r, const Decision &dec,
                          bool force_shutdown, const MoveProgress &progress, const MoveJournalStore &journal);

// The unfinished move of this domain (by name or uuid) in the journal, if
// any: a new move of it must not start before `cpucompat recover` ends it.
// Throws Error saying so; unreadable entries are named too.
void refuse_if_unfinished(const MoveJournalStore &journal, const std::string &domain, const std::string &uuid);

std::string this_host_name();

}  // namespace cpucompat
