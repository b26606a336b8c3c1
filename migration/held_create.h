// `cpucompat create --hold SECONDS CFG [KEY=VALUE...]`: the receiver's end
// of a restart move (restart.h), spoken to over ssh, one line at a time.
//
//   1. xl create -p with the plugin: the domain is built, paused.
//   2. "READY <domid>" on stdout.
//   3. A line "go" on stdin within SECONDS: xl unpause, then "RUNNING" on
//      stdout and exit 0. Anything else, stdin closing (the sender or the
//      link died) or the time running out: xl destroy and exit 1.
//
// So a copy the sender did not confirm never runs, and a sender that lost
// the link before its "go" may start the domain again at home at once.
// Stdout carries only these lines; xl's output and every reason go to stderr.
#pragma once

#include <string>
#include <vector>

#include "move_journal_store.h"

namespace cpucompat {

// With uuid="..." among the overrides (the sender always gives it) the
// held copy is journalled as a receiver entry (move_journal.h) before xl
// create, under the lock held-UUID, and the entry finished once the copy
// runs or is destroyed: a SIGKILL of this process or a reboot of this host
// leaves an entry `cpucompat recover` ends by destroying a copy never told
// to run.
// preload: LD_PRELOAD for xl create (the plugin, and whatever was preloaded).
int run_held_create(const std::string &config, const std::vector<std::string> &overrides, double hold_s,
                    const std::string &preload, const MoveJournalStore &journal = MoveJournalStore());

}  // namespace cpucompat
