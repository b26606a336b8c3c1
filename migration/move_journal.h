// The move journal: what a restart move (restart.h) has done to a domain,
// kept on disk before each step that changes where the domain runs, so
// that a wrapper that dies (SIGKILL, a reboot, a lost terminal) leaves a
// record that `cpucompat recover` drives to an end. Pure: entries are
// values, their JSON form is checked like every input from a file, and
// recovery is decided by a table (plan_recovery). The files are the
// edge's (move_journal_store.h).
//
// Invariants:
//  1. A sender entry's step is written (durably) before the action it
//     names is taken: a crash at any point finds the journal at the step
//     being done or a later one, never an earlier one.
//  2. A domain is started on the sender by recovery only when its entry
//     says this move asked it to shut down, and it is absent here and not
//     running on the receiver.
//  3. Recovery starts nothing when the receiver cannot be asked after the
//     domain was told to run there (it may run there): it says so, exit 3.
//  4. A receiver entry (a held copy) is never run by recovery: a copy that
//     was not told to run is destroyed; one that runs is left running.
//  5. An entry is closed (finished) only once exactly one copy is known to
//     run, or the domain is known to run nowhere through no act of this move.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cpucompat {

inline constexpr const char *kMoveEntryFormat = "cpucompat-move/1";

enum class MoveRole { sender, receiver };

enum class MoveStep {
    // sender, each recorded before it is taken
    shutdown_requested,  // asking the domain here to shut down
    gone_here,           // it is gone here; building the held copy there
    created_there,       // a paused copy is held there, not yet told to run
    told_to_run,         // telling the receiver to run its copy
    restarting_here,     // starting the domain here again (the move failed)
    // receiver
    held,                // a paused copy here, waiting for the sender's "go"
    // both
    finished,            // nothing left to do (outcome says how it ended)
};
const char *move_step_name(MoveStep s);
const char *move_role_name(MoveRole r);

struct MoveEntry {
    MoveRole role = MoveRole::sender;
    std::string domain, uuid;
    std::string sender, receiver;  // host names as the move used them
    std::string ssh = "ssh";       // how the sender reaches the receiver
    std::string config;            // the exact config text the domain was (re)started from
    std::string saved_config;      // where that text is kept on this host
    MoveStep step = MoveStep::shutdown_requested;
    std::string outcome;           // set when finished, or when left down/unknown
    int holder_pid = 0;            // the process driving the move (information only)
    double shutdown_timeout = 120; // how long the guest was given to shut down (s)
    std::vector<std::pair<std::string, long long>> history;  // step name, unix time

    bool finished() const { return step == MoveStep::finished; }
};

// Until when (unix time) a sender's domain may still be going down by this
// move's own request: a wrapper killed right after asking the guest to shut
// down leaves a guest that shuts down by itself a little later. Recovery
// that found it still running before then would close the move and the
// domain would be down everywhere, so it waits until then for it to go.
// The time the shutdown was requested plus its timeout plus a minute to be
// destroyed; 0 for any other step or role.
long long going_down_until(const MoveEntry &e);

// Advances the entry to `s` at unix time `now` (history keeps every step).
void advance(MoveEntry &e, MoveStep s, long long now);

nlohmann::ordered_json move_entry_json(const MoveEntry &e);
// From a journal file's text; `where` names it in errors. Throws Error on
// anything not written by move_entry_json: wrong format, unknown keys or
// steps, a step of the other role, a uuid that is not one, invalid text.
MoveEntry move_entry_from_json(const std::string &text, const std::string &where);

// Where a domain is, asked by uuid on one host.
enum class Presence {
    absent,   // no domain with this uuid
    paused,   // there, paused (a held copy never told to run)
    running,  // there and not paused (also: blocked, crashed is "running" for safety)
    unknown,  // could not be asked (unreachable, or an answer that could not be read)
};
const char *presence_name(Presence p);

enum class RecoverAction {
    close,                          // nothing to do: record the outcome
    start_here,                     // start the domain here from the entry's config
    destroy_there_then_start_here,  // remove the paused copy there, then start here
    destroy_there,                  // it runs here: remove the paused copy there
    destroy_here,                   // receiver: the held copy here was never told to run
    cannot_know,                    // start nothing; say where the config is; exit 3
};
const char *recover_action_name(RecoverAction a);

struct RecoverPlan {
    RecoverAction action = RecoverAction::cannot_know;
    std::string outcome;  // what the entry is closed with once the action succeeded
    std::string why;      // one line for the report
};

// The decision table of `cpucompat recover` for one open entry. `here` is
// this host, `there` the receiver (ignored for receiver entries).
RecoverPlan plan_recovery(const MoveEntry &e, Presence here, Presence there);

}  // namespace cpucompat
