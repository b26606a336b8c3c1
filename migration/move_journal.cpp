#include "move_journal.h"

#include <cctype>
#include <set>

#include "../toolstack/core/error.h"
#include "../toolstack/core/text.h"
#include "../toolstack/import/fingerprint.h"

namespace cpucompat {

namespace {

struct StepName {
    MoveStep step;
    const char *name;
    MoveRole role;  // the role that records it (finished: both)
};
constexpr StepName kSteps[] = {
    {MoveStep::shutdown_requested, "shutdown-requested", MoveRole::sender},
    {MoveStep::gone_here, "gone-here", MoveRole::sender},
    {MoveStep::created_there, "created-there", MoveRole::sender},
    {MoveStep::told_to_run, "told-to-run", MoveRole::sender},
    {MoveStep::restarting_here, "restarting-here", MoveRole::sender},
    {MoveStep::held, "held", MoveRole::receiver},
    {MoveStep::finished, "finished", MoveRole::sender},
};

}  // namespace

const char *move_step_name(MoveStep s) {
    for (const auto &n : kSteps)
        if (n.step == s) return n.name;
    return "?";
}

const char *move_role_name(MoveRole r) { return r == MoveRole::sender ? "sender" : "receiver"; }

void advance(MoveEntry &e, MoveStep s, long long now) {
    e.step = s;
    e.history.emplace_back(move_step_name(s), now);
}

nlohmann::ordered_json move_entry_json(const MoveEntry &e) {
    nlohmann::ordered_json j{{"format", kMoveEntryFormat}, {"role", move_role_name(e.role)}, {"domain", e.domain},
                             {"uuid", e.uuid},           {"sender", e.sender},               {"receiver", e.receiver},
                             {"ssh", e.ssh},             {"step", move_step_name(e.step)},   {"outcome", e.outcome},
                             {"holder_pid", e.holder_pid}, {"shutdown_timeout", e.shutdown_timeout},
                             {"saved_config", e.saved_config}, {"config", e.config}};
    j["history"] = nlohmann::ordered_json::array();
    for (const auto &[step, t] : e.history) j["history"].push_back({{"step", step}, {"time", t}});
    return j;
}

MoveEntry move_entry_from_json(const std::string &text, const std::string &where) {
    const nlohmann::json j = parse_json_strict(text, where);
    const auto bad = [&](const std::string &msg) { return Error(where, 0, msg); };
    if (!j.is_object()) throw bad("not a move journal entry (a JSON object)");
    if (!j.contains("format") || j["format"] != kMoveEntryFormat)
        throw bad(std::string("not a move journal entry of format ") + kMoveEntryFormat);
    static const std::set<std::string> known{"format", "role",    "domain",     "uuid",         "sender", "receiver", "ssh",
                                             "step",   "outcome", "holder_pid", "saved_config", "config", "history",
                                             "shutdown_timeout"};
    for (const auto &[k, v] : j.items())
        if (!known.count(k)) throw bad("unknown key \"" + k + "\"");
    const auto text_of = [&](const char *k) {
        if (!j.contains(k) || !j[k].is_string()) throw bad(std::string("\"") + k + "\" missing or not a string");
        return j[k].get<std::string>();
    };
    MoveEntry e;
    const std::string role = text_of("role");
    if (role == "sender") e.role = MoveRole::sender;
    else if (role == "receiver") e.role = MoveRole::receiver;
    else throw bad("unknown role \"" + role + "\"");
    e.domain = text_of("domain");
    e.uuid = text_of("uuid");
    e.sender = text_of("sender");
    e.receiver = text_of("receiver");
    e.ssh = text_of("ssh");
    e.outcome = text_of("outcome");
    e.saved_config = text_of("saved_config");
    e.config = text_of("config");
    if (e.domain.empty()) throw bad("\"domain\" is empty");
    if (!is_uuid(e.uuid)) throw bad("\"uuid\" is not a uuid: \"" + e.uuid + "\"");
    const std::string step = text_of("step");
    bool found = false;
    for (const auto &n : kSteps)
        if (step == n.name) {
            if (n.step != MoveStep::finished && n.role != e.role)
                throw bad("step \"" + step + "\" is not a " + role + "'s step");
            e.step = n.step;
            found = true;
        }
    if (!found) throw bad("unknown step \"" + step + "\"");
    if (!j.contains("holder_pid") || !j["holder_pid"].is_number_integer() || j["holder_pid"].get<long long>() < 0 ||
        j["holder_pid"].get<long long>() > 4194304)
        throw bad("\"holder_pid\" missing or not a process id");
    e.holder_pid = j["holder_pid"].get<int>();
    // Absent in entries written before it was recorded: the default then.
    if (j.contains("shutdown_timeout")) {
        const auto &t = j["shutdown_timeout"];
        if (!t.is_number() || !(t.get<double>() > 0) || t.get<double>() > 86400)
            throw bad("\"shutdown_timeout\" is not a number of seconds (0 .. 86400]");
        e.shutdown_timeout = t.get<double>();
    }
    if (!j.contains("history") || !j["history"].is_array()) throw bad("\"history\" missing or not a list");
    for (const auto &h : j["history"]) {
        if (!h.is_object() || h.size() != 2 || !h.contains("step") || !h["step"].is_string() || !h.contains("time") ||
            !h["time"].is_number_integer())
            throw bad("\"history\" holds an item that is not {\"step\": NAME, \"time\": SECONDS}");
        e.history.emplace_back(h["step"].get<std::string>(), h["time"].get<long long>());
    }
    return e;
}

long long going_down_until(const MoveEntry &e) {
    if (e.role != MoveRole::sender || e.step != MoveStep::shutdown_requested) return 0;
    long long asked = 0;
    for (const auto &[step, t] : e.history)
        if (step == move_step_name(MoveStep::shutdown_requested)) asked = t;
    if (asked <= 0) return 0;
    return asked + static_cast<long long>(e.shutdown_timeout) + 60;
}

const char *presence_name(Presence p) {
    switch (p) {
    case Presence::absent: return "absent";
    case Presence::paused: return "paused";
    case Presence::running: return "running";
    case Presence::unknown: break;
    }
    return "unknown";
}

const char *recover_action_name(RecoverAction a) {
    switch (a) {
    case RecoverAction::close: return "close";
    case RecoverAction::start_here: return "start-here";
    case RecoverAction::destroy_there_then_start_here: return "destroy-there-then-start-here";
    case RecoverAction::destroy_there: return "destroy-there";
    case RecoverAction::destroy_here: return "destroy-here";
    case RecoverAction::cannot_know: break;
    }
    return "cannot-know";
}

RecoverPlan plan_recovery(const MoveEntry &e, Presence here, Presence there) {
    using A = RecoverAction;
    if (e.finished()) return {A::close, e.outcome, "the move has finished"};
    if (here == Presence::unknown) return {A::cannot_know, "", "this host's xl could not be asked about the domain"};
    if (e.role == MoveRole::receiver) {
        switch (here) {
        case Presence::running: return {A::close, "running-here", "the held copy was told to run and runs here"};
        case Presence::paused: return {A::destroy_here, "destroyed", "the held copy was never told to run"};
        default: return {A::close, "gone", "the held copy is gone"};
        }
    }
    const bool told = e.step == MoveStep::told_to_run;
    const bool present_here = here == Presence::running || here == Presence::paused;
    if (present_here) {
        if (there == Presence::running) return {A::cannot_know, "", "it runs here and on " + e.receiver + ": decide which copy to keep"};
        if (there == Presence::paused) return {A::destroy_there, "recovered", "it runs here; the paused copy there was never told to run"};
        if (there == Presence::unknown && told)
            return {A::cannot_know, "", "it runs here, and " + e.receiver + " (told to run it) cannot be asked"};
        return {A::close, e.step == MoveStep::shutdown_requested ? "still-running" : "recovered", "it runs here"};
    }
    switch (there) {
    case Presence::running: return {A::close, "moved", "it runs on " + e.receiver};
    case Presence::paused:
        return {A::destroy_there_then_start_here, "recovered", "the copy on " + e.receiver + " is paused: it was never told to run"};
    case Presence::absent:
        return {A::start_here, "recovered", "it runs nowhere: this move shut it down here and " + e.receiver + " has no copy"};
    case Presence::unknown: break;
    }
    if (told)
        return {A::cannot_know, "", e.receiver + " cannot be asked and was told to run it: it may run there"};
    return {A::start_here, "recovered", e.receiver + " cannot be asked, but was never told to run it: no copy there can run"};
}

}  // namespace cpucompat
