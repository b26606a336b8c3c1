// `cpucompat recover`'s edge: asks both hosts where a journalled domain is
// (by uuid, with xl, over ssh for the receiver), acts as plan_recovery()
// (move_journal.h) decides, and closes the entry. Each entry is handled
// under the lock its move held, so a move still running is left alone.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "move_journal_store.h"
#include "process.h"

namespace cpucompat {

// Where the domain with `uuid` is, by the xl of whatever `run` reaches
// (this host, or another over ssh). `run` returns the command's result.
using XlRunner = std::function<ProcessResult(const std::vector<std::string> &argv)>;
Presence locate_by_uuid(const XlRunner &run, const std::string &uuid);

// Destroys the domain with `uuid` where `run` reaches, if it is there.
// Throws Error naming `where` when xl cannot list, or the destroy fails and
// the domain is still listed (or the second list fails); a domain that
// vanished between the list and the destroy (a held copy ending itself) is
// not a failure.
void destroy_by_uuid(const XlRunner &run, const std::string &uuid, const std::string &where);

struct RecoveryResult {
    std::string journal;  // the entry's file
    MoveEntry entry;      // as it was found (its step: where the move stopped)
    Presence here = Presence::unknown, there = Presence::unknown;
    RecoverPlan plan;
    bool busy = false;     // its move still runs (the lock is held): left alone
    bool done = false;     // the action was taken (or nothing was needed) and the entry closed
    std::string error;     // why the action or the closing failed
    std::string quarantined;  // a save image of a held copy moved out of xendomains' way
    std::vector<std::string> autostart_disabled;  // closed as moved: /etc/xen/auto entries renamed
    // 0 closed, 1 busy or the action failed, 3 nothing can be known: start nothing.
    int exit_status() const;
};

// Recovers one open entry (dry_run: asks and decides, changes nothing).
RecoveryResult recover_entry(const MoveJournalStore &journal, const MoveJournalStore::Open &open, bool dry_run);

}  // namespace cpucompat
