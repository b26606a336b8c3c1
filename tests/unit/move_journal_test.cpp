// The move journal (migration/move_journal.h): the wrapper killed at every
// step of a restart move, with the receiver reachable or not afterwards,
// and `cpucompat recover`'s decision applied: the domain ends on exactly
// one host, or recovery starts nothing and says it cannot know. Then the
// entry's file format against hostile input, the store on a real
// directory, signals, and the receiver's replies.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../../migration/host_facts.h"
#include "../../migration/move_journal.h"
#include "../../migration/move_journal_store.h"
#include "../../migration/private_files.h"
#include "../../migration/recovery.h"
#include "../../migration/process.h"
#include "../../migration/stop_signals.h"
#include "../../migration/storage_check.h"
#include "../../migration/xl_moves.h"
#include "helpers.h"
#include "fake_restart_steps.h"

using namespace cpucompat;

namespace {

const char *kUuid = "5f0c4a52-1b7e-4c1a-9d7e-0123456789ab";

MoveEntry sample_entry() {
    MoveEntry e;
    e.domain = "web1";
    e.uuid = kUuid;
    e.sender = "a";
    e.receiver = "b";
    e.config = "name = \"web1\"\nmemory = 128\n";
    e.saved_config = "/var/lib/cpucompat/migrated/web1.cfg";
    e.holder_pid = 4242;
    advance(e, MoveStep::shutdown_requested, 1000);
    return e;
}

Presence presence_of(FakeSteps::There t) {
    return t == FakeSteps::There::running ? Presence::running : t == FakeSteps::There::paused ? Presence::paused : Presence::absent;
}

using testing::TempDir;

}  // namespace

TEST_CASE("move journal: the wrapper killed at every step, then recover") {
    // Kill points: as each step begins and once it took effect.
    const std::vector<std::pair<std::string, std::string>> kills = {
        {"shutdown", ""}, {"", "shutdown"}, {"gone", ""},   {"", "gone"},    {"create", ""}, {"", "create"},
        {"commit", ""},   {"", "commit"},   {"confirm", ""}, {"", "confirm"},
    };
    // After the kill: the receiver's held process outlives the wrapper (its
    // stdin ends, it destroys a copy never told to run) or was killed too
    // (the paused copy stays); the receiver answers recover, or not.
    for (const auto &[before, after] : kills)
        for (const bool held_killed_too : {false, true})
            for (const bool reachable : {true, false}) {
                INFO("killed " << (before.empty() ? "after " + after : "before " + before) << (held_killed_too ? ", held process killed too" : "")
                               << (reachable ? "" : ", receiver unreachable"));
                FakeSteps s;
                s.kill_before = before;
                s.kill_after = after;
                std::vector<MoveEntry> written;  // every version of the entry, in order
                MoveEntry entry = sample_entry();
                entry.history.clear();
                RestartHooks hooks;
                hooks.record = [&](MoveStep step) {
                    advance(entry, step, 0);
                    written.push_back(entry);
                };
                bool killed = false;
                try {
                    run_restart(s, false, [] { return 0.0; }, hooks);
                } catch (const Killed &) {
                    killed = true;
                }
                REQUIRE(killed);
                // Invariant 1: the step of what was being done is on disk.
                REQUIRE_FALSE(written.empty());
                const MoveEntry &last = written.back();
                if (before == "shutdown" || after == "shutdown" || before == "gone" || after == "gone")
                    CHECK(last.step == MoveStep::shutdown_requested);
                if (before == "create") CHECK(last.step == MoveStep::gone_here);
                if (after == "create") CHECK(last.step == MoveStep::gone_here);  // created, not yet recorded: still gone-here
                if (before == "commit" || after == "commit" || before == "confirm" || after == "confirm")
                    CHECK(last.step == MoveStep::told_to_run);
                // The held process: its stdin ended with the wrapper.
                if (s.there == FakeSteps::There::paused && !held_killed_too) s.there = FakeSteps::There::none;

                const Presence here = s.on_sender ? Presence::running : Presence::absent;
                const Presence there = reachable ? presence_of(s.there) : Presence::unknown;
                const RecoverPlan plan = plan_recovery(last, here, there);
                switch (plan.action) {
                case RecoverAction::start_here: s.on_sender = true; break;
                case RecoverAction::destroy_there_then_start_here:
                    s.there = FakeSteps::There::none;
                    s.on_sender = true;
                    break;
                case RecoverAction::destroy_there: s.there = FakeSteps::There::none; break;
                case RecoverAction::close:
                case RecoverAction::cannot_know:
                case RecoverAction::destroy_here: break;
                }
                CHECK(plan.action != RecoverAction::destroy_here);  // a receiver's action
                const bool runs_there = s.there == FakeSteps::There::running;
                CHECK_FALSE((s.on_sender && runs_there));  // never twice
                if (plan.action == RecoverAction::cannot_know) {
                    // Invariant 3: only when it may run there and there cannot be asked.
                    CHECK_FALSE(reachable);
                    CHECK(last.step == MoveStep::told_to_run);
                } else {
                    CHECK((s.on_sender || runs_there));  // never lost
                    CHECK_FALSE(plan.outcome.empty());
                }
                // A paused copy left on an unreachable receiver never runs:
                // the receiver's own recover destroys it (next test).
            }
}

TEST_CASE("move journal: a failure or a stop request at each step is journalled and ends in one place") {
    struct Row {
        std::string fault_at;      // step that fails with an error
        std::string stop_after;    // the stop request arrives once this step is done
        RestartOutcome outcome;
        bool on_sender;
        MoveStep last_step;
    };
    const std::vector<Row> rows = {
        {"", "", RestartOutcome::moved, false, MoveStep::told_to_run},
        {"", "save", RestartOutcome::not_started, true, MoveStep::shutdown_requested},  // nothing journalled (see below)
        {"", "gone", RestartOutcome::recovered, true, MoveStep::restarting_here},
        {"", "create", RestartOutcome::recovered, true, MoveStep::restarting_here},
        {"", "commit", RestartOutcome::moved, false, MoveStep::told_to_run},  // after "go": not honoured
        {"create", "", RestartOutcome::recovered, true, MoveStep::restarting_here},
        {"confirm", "", RestartOutcome::recovered, true, MoveStep::restarting_here},
    };
    for (const auto &r : rows) {
        INFO("fault at " << r.fault_at << ", stop after " << r.stop_after);
        FakeSteps s;
        if (!r.fault_at.empty()) s.faults[r.fault_at] = Fault::error;
        std::vector<MoveStep> steps;
        RestartHooks hooks;
        hooks.record = [&](MoveStep st) { steps.push_back(st); };
        hooks.stop_requested = [&] { return !r.stop_after.empty() && std::find(s.calls.begin(), s.calls.end(), r.stop_after) != s.calls.end(); };
        const RestartReport rep = run_restart(s, false, [] { return 0.0; }, hooks);
        CHECK(outcome_name(rep.outcome) == std::string(outcome_name(r.outcome)));
        CHECK(s.on_sender == r.on_sender);
        CHECK_FALSE((s.on_sender && s.there == FakeSteps::There::running));
        if (r.stop_after == "save") {
            CHECK(steps.empty());
            CHECK(rep.failure == "interrupted: a signal asked the move to stop");
        } else {
            REQUIRE_FALSE(steps.empty());
            CHECK(move_step_name(steps.back()) == std::string(move_step_name(r.last_step)));
        }
    }
}

TEST_CASE("move journal: an entry that cannot be written stops the move where it is safe") {
    // Each step's write fails in turn: the move never goes on without its record.
    struct Row {
        MoveStep failing;
        RestartOutcome outcome;
        bool on_sender;
    };
    for (const Row &r : std::vector<Row>{{MoveStep::shutdown_requested, RestartOutcome::not_started, true},
                                         {MoveStep::gone_here, RestartOutcome::recovered, true},
                                         {MoveStep::created_there, RestartOutcome::recovered, true},
                                         {MoveStep::told_to_run, RestartOutcome::recovered, true}}) {
        INFO("journal fails at " << move_step_name(r.failing));
        FakeSteps s;
        RestartHooks hooks;
        hooks.record = [&](MoveStep st) {
            if (st == r.failing) throw Error("/var/lib/cpucompat/moves: No space left on device");
        };
        const RestartReport rep = run_restart(s, false, [] { return 0.0; }, hooks);
        CHECK(outcome_name(rep.outcome) == std::string(outcome_name(r.outcome)));
        CHECK(s.on_sender == r.on_sender);
        CHECK(s.there == FakeSteps::There::none);
        CHECK_THAT(rep.failure, Catch::Contains("journal: cannot record") && Catch::Contains("No space left"));
    }
}

TEST_CASE("restart move: a domain that went away through someone else is not started again") {
    // xl shutdown fails (the domain was moved or stopped by another actor) and it is gone: skipped.
    FakeSteps s;
    s.faults["shutdown"] = Fault::error;
    s.on_sender = false;  // it is gone here, not by this move
    const RestartReport rep = run_restart(s, false, [] { return 0.0; });
    CHECK(rep.outcome == RestartOutcome::skipped);
    CHECK_FALSE(s.on_sender);
    CHECK(std::find(s.calls.begin(), s.calls.end(), "start") == s.calls.end());
    CHECK(std::find(s.calls.begin(), s.calls.end(), "create") == s.calls.end());
}

TEST_CASE("recover: the decision table") {
    using P = Presence;
    using A = RecoverAction;
    struct Row {
        MoveRole role;
        MoveStep step;
        P here, there;
        A action;
        const char *outcome;
    };
    const auto S = MoveRole::sender, R = MoveRole::receiver;
    const std::vector<Row> rows = {
        {S, MoveStep::shutdown_requested, P::running, P::absent, A::close, "still-running"},
        {S, MoveStep::shutdown_requested, P::absent, P::absent, A::start_here, "recovered"},
        {S, MoveStep::shutdown_requested, P::absent, P::unknown, A::start_here, "recovered"},
        {S, MoveStep::gone_here, P::absent, P::paused, A::destroy_there_then_start_here, "recovered"},
        {S, MoveStep::gone_here, P::absent, P::unknown, A::start_here, "recovered"},
        {S, MoveStep::created_there, P::absent, P::unknown, A::start_here, "recovered"},
        {S, MoveStep::told_to_run, P::absent, P::running, A::close, "moved"},
        {S, MoveStep::told_to_run, P::absent, P::paused, A::destroy_there_then_start_here, "recovered"},
        {S, MoveStep::told_to_run, P::absent, P::absent, A::start_here, "recovered"},
        {S, MoveStep::told_to_run, P::absent, P::unknown, A::cannot_know, ""},
        {S, MoveStep::told_to_run, P::running, P::unknown, A::cannot_know, ""},
        {S, MoveStep::told_to_run, P::running, P::running, A::cannot_know, ""},
        {S, MoveStep::told_to_run, P::running, P::paused, A::destroy_there, "recovered"},
        {S, MoveStep::restarting_here, P::absent, P::unknown, A::start_here, "recovered"},
        {S, MoveStep::restarting_here, P::running, P::absent, A::close, "recovered"},
        {S, MoveStep::gone_here, P::unknown, P::absent, A::cannot_know, ""},
        {R, MoveStep::held, P::paused, P::unknown, A::destroy_here, "destroyed"},
        {R, MoveStep::held, P::running, P::unknown, A::close, "running-here"},
        {R, MoveStep::held, P::absent, P::unknown, A::close, "gone"},
        {R, MoveStep::held, P::unknown, P::unknown, A::cannot_know, ""},
    };
    for (const auto &r : rows) {
        MoveEntry e = sample_entry();
        e.role = r.role;
        e.step = r.step;
        INFO(move_role_name(r.role) << " " << move_step_name(r.step) << " here " << presence_name(r.here) << " there " << presence_name(r.there));
        const RecoverPlan p = plan_recovery(e, r.here, r.there);
        CHECK(recover_action_name(p.action) == std::string(recover_action_name(r.action)));
        CHECK(p.outcome == r.outcome);
        CHECK_FALSE(p.why.empty());
    }
}

TEST_CASE("move journal entries: written, read back, and hostile files refused") {
    MoveEntry e = sample_entry();
    advance(e, MoveStep::gone_here, 1001);
    const std::string text = move_entry_json(e).dump(2);
    const MoveEntry back = move_entry_from_json(text, "j.json");
    CHECK(move_entry_json(back) == move_entry_json(e));
    CHECK(back.history.size() == 2);

    const auto with = [&](const std::string &key, const nlohmann::ordered_json &v) {
        nlohmann::ordered_json j = move_entry_json(e);
        j[key] = v;
        return j.dump();
    };
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"", "invalid JSON"},
        {text.substr(0, text.size() / 2), "invalid JSON"},  // a torn write (never, with rename; but a copy by hand)
        {"[]", "not a move journal entry"},
        {with("format", "cpucompat-move/9"), "not a move journal entry of format cpucompat-move/1"},
        {with("extra", 1), "unknown key \"extra\""},
        {with("uuid", "../../etc/passwd"), "\"uuid\" is not a uuid"},
        {with("role", "observer"), "unknown role"},
        {with("step", "held"), "step \"held\" is not a sender's step"},
        {with("step", "teleported"), "unknown step"},
        {with("holder_pid", -1), "\"holder_pid\" missing or not a process id"},
        {with("holder_pid", 1e300), "\"holder_pid\" missing or not a process id"},
        {with("domain", ""), "\"domain\" is empty"},
        {with("shutdown_timeout", 0), "\"shutdown_timeout\" is not a number of seconds"},
        {with("shutdown_timeout", -5), "\"shutdown_timeout\" is not a number of seconds"},
        {with("shutdown_timeout", 1e300), "\"shutdown_timeout\" is not a number of seconds"},
        {with("shutdown_timeout", "120"), "\"shutdown_timeout\" is not a number of seconds"},
        {with("config", 5), "\"config\" missing or not a string"},
        {with("history", nlohmann::ordered_json::array({{{"step", "x"}}})), "\"history\" holds an item"},
        {"{\"format\":\"cpucompat-move/1\",\"format\":\"cpucompat-move/1\"}", "duplicate key"},
        {std::string("{\"format\":\"cpucompat-move/1\",\"domain\":\"\xff\xfe\"}"), "invalid JSON"},
    };
    for (const auto &[input, want] : bad) {
        INFO(input.substr(0, 200));
        CHECK_THROWS_WITH(move_entry_from_json(input, "moves/x.json"), Catch::StartsWith("moves/x.json:") && Catch::Contains(want));
    }
}

TEST_CASE("recover: a domain this move asked to shut down is given its time to go") {
    // The wrapper killed right after asking: the guest goes down by itself
    // a little later. Until the shutdown timeout (+ a minute to be
    // destroyed) has passed, recover waits for it instead of closing the
    // move with the domain "still running" (it would then be down everywhere).
    MoveEntry e = sample_entry();  // shutdown requested at 1000
    e.shutdown_timeout = 30;
    CHECK(going_down_until(e) == 1000 + 30 + 60);
    MoveEntry entry_written_before = move_entry_from_json(
        [&] {
            auto j = move_entry_json(e);
            j.erase("shutdown_timeout");
            return j.dump();
        }(),
        "old.json");
    CHECK(entry_written_before.shutdown_timeout == 120);
    CHECK(going_down_until(entry_written_before) == 1000 + 120 + 60);
    MoveEntry later = e;
    advance(later, MoveStep::gone_here, 1010);
    CHECK(going_down_until(later) == 0);
    MoveEntry held = e;
    held.role = MoveRole::receiver;
    held.step = MoveStep::held;
    CHECK(going_down_until(held) == 0);
    MoveEntry no_history = e;
    no_history.history.clear();
    CHECK(going_down_until(no_history) == 0);
}

TEST_CASE("move journal store: durable files, finished moves kept apart, what it refuses") {
    TempDir t;
    const std::string dir = t.path + "/moves";
    const MoveJournalStore store(dir);
    CHECK(store.open_moves().entries.empty());  // no directory yet: nothing open

    MoveEntry e = sample_entry();
    store.write(e);
    struct stat st {};
    REQUIRE(stat(store.path_of(e).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0077) == 0);
    MoveEntry held = sample_entry();
    held.role = MoveRole::receiver;
    held.step = MoveStep::held;
    store.write(held);
    CHECK(store.path_of(held) == dir + "/" + kUuid + ".held.json");

    auto l = store.open_moves();
    REQUIRE(l.entries.size() == 2);
    CHECK(l.unreadable.empty());

    // A file that is not an entry, one under another's name, a symlink: listed as unreadable, never ignored.
    { std::ofstream(dir + "/00000000-0000-0000-0000-000000000000.json") << "{"; }
    MoveEntry other = sample_entry();
    other.uuid = "11111111-2222-3333-4444-555555555555";
    { std::ofstream(dir + "/22222222-2222-3333-4444-555555555555.json") << move_entry_json(other).dump(); }
    REQUIRE(symlink("/etc/passwd", (dir + "/33333333-2222-3333-4444-555555555555.json").c_str()) == 0);
    l = store.open_moves();
    CHECK(l.entries.size() == 2);
    REQUIRE(l.unreadable.size() == 3);
    CHECK_THAT(l.unreadable[0], Catch::Contains("invalid JSON"));
    CHECK_THAT(l.unreadable[1], Catch::Contains("holds the entry of 11111111-2222-3333-4444-555555555555"));
    CHECK_THAT(l.unreadable[2], Catch::Contains("is a symlink; refusing to follow it"));
    for (const char *f : {"/00000000-0000-0000-0000-000000000000.json", "/22222222-2222-3333-4444-555555555555.json",
                          "/33333333-2222-3333-4444-555555555555.json"})
        std::filesystem::remove(dir + f);

    // Finishing keeps the entry in done/ and leaves only the open ones.
    store.finish(e, "moved", 2000);
    CHECK(e.finished());
    CHECK_FALSE(std::filesystem::exists(store.path_of(e)));
    CHECK(std::filesystem::exists(dir + "/done/" + std::string(kUuid) + "-2000.json"));
    l = store.open_moves();
    REQUIRE(l.entries.size() == 1);
    CHECK(l.entries[0].entry.role == MoveRole::receiver);

    // A group-writable journal directory is refused, naming it.
    REQUIRE(chmod(dir.c_str(), 0770) == 0);
    CHECK_THROWS_WITH(store.write(held), Catch::Contains(dir + ": is writable by group or others"));
    REQUIRE(chmod(dir.c_str(), 0700) == 0);
    // A journal directory that is a symlink is refused.
    const std::string link = t.path + "/moves-link";
    REQUIRE(symlink(dir.c_str(), link.c_str()) == 0);
    CHECK_THROWS_WITH(MoveJournalStore(link).write(held), Catch::Contains(link + ": is a symlink"));
    // A planted symlink where a lock or log file goes is not followed.
    { std::ofstream(t.path + "/victim") << "precious"; }
    REQUIRE(symlink((t.path + "/victim").c_str(), (t.path + "/planted.lock").c_str()) == 0);
    CHECK_THROWS_WITH(open_private(t.path + "/planted.lock", O_RDWR | O_CREAT), Catch::Contains("is a symlink; refusing to follow it"));
    std::ifstream victim(t.path + "/victim");
    std::string kept;
    victim >> kept;
    CHECK(kept == "precious");
}

TEST_CASE("stop signals: the first asks to stop, the process goes on") {
    struct sigaction before {};
    sigaction(SIGHUP, nullptr, &before);  // SIG_DFL, or SIG_IGN under nohup
    {
        const StopSignals signals;
        CHECK_FALSE(StopSignals::requested());
        StopSignals::doing("shutdown of web1");
        REQUIRE(raise(SIGTERM) == 0);
        CHECK(StopSignals::requested());
        CHECK(StopSignals::which() == SIGTERM);
        REQUIRE(raise(SIGINT) == 0);  // a second: answered, changes nothing
        CHECK(StopSignals::which() == SIGTERM);
    }
    // Restored afterwards to what it was: not handled by us any more.
    struct sigaction now {};
    sigaction(SIGHUP, nullptr, &now);
    CHECK(now.sa_handler == before.sa_handler);
}

TEST_CASE("receiver replies: numbers and listings that are not what xl prints are refused") {
    HostFacts f;
    f.cpucompat_version = "0.5.0";
    f.xen_version = "4.17.7";
    f.free_kb = 1500 * 1024;
    f.pv = f.hvm = f.hap = true;
    const std::string good = host_facts_json(f).dump();
    const HostFacts back = host_facts_from_json(good, "b: cpucompat facts");
    CHECK(back.free_kb == f.free_kb);
    CHECK(back.hap);
    CHECK_FALSE(back.shadow);
    CHECK_FALSE(back.pv_max);
    const auto with = [&](const std::string &key, const nlohmann::json &v) {
        nlohmann::json j = nlohmann::json::parse(good);
        j[key] = v;
        return j.dump();
    };
    const std::vector<std::pair<std::string, std::string>> bad = {
        {with("free_kb", -1), "\"free_kb\" is not a plausible amount of memory"},
        {with("free_kb", 1e300), "\"free_kb\" is not a plausible amount of memory"},
        {with("free_kb", nlohmann::json::number_unsigned_t(1) << 60), "\"free_kb\" is not a plausible amount of memory"},
        {with("free_kb", "1500"), "\"free_kb\" is not a plausible amount of memory"},
        {with("format", "cpucompat-facts/9"), "not cpucompat facts of format cpucompat-facts/1"},
        {with("surprise", 1), "unknown key \"surprise\""},
        {with("capabilities", {{"pv", true}}), "\"capabilities\" is not"},
        {with("plugin", "yes"), "\"plugin\" is not true or false"},
        {with("hvm_max", {{"vendor", "x"}}), "hvm_max"},
        {good.substr(0, good.size() / 2), "invalid JSON"},
        {"", "invalid JSON"},
        {"\xff\xfe{}", "invalid JSON"},
        {"ssh: connect to host b port 22: Connection refused", "invalid JSON"},
    };
    for (const auto &[in, want] : bad) {
        INFO(in.substr(0, 200));
        CHECK_THROWS_WITH(host_facts_from_json(in, "b: cpucompat facts"), Catch::StartsWith("b: cpucompat facts") && Catch::Contains(want));
    }
    const auto d = listed_domain("Name ID Mem VCPUs State Time(s)\nweb1 3 128 1 -b---- 12.5\n");
    REQUIRE(d);
    CHECK_FALSE(d->paused());
    CHECK(d->cpu_seconds == 12.5);
    CHECK(listed_domain("Name ID Mem VCPUs State Time(s)\nweb1 3 128 1 --p--- 0.0\n")->paused());
    for (const std::string in : {"", "garbage\n", "Name ID\nweb1 3 128 1 -b---- nan\n", "Name ID\nweb1 3 128 1 -b---- -4\n",
                                 "Name ID\nweb1 3 128 1 \xff\xfe 1.0\n", "ssh: connect to host b port 22: No route\n"}) {
        INFO(in);
        CHECK_FALSE(listed_domain(in));
    }
}

TEST_CASE("a domain moved away is not started here again by xendomains") {
    TempDir t;
    const std::string autodir = t.path + "/auto";
    std::filesystem::create_directories(autodir);
    { std::ofstream(t.path + "/web1.cfg") << "name = \"web1\"\nmemory = 128\n"; }
    { std::ofstream(autodir + "/db.cfg") << "name = \"db\"\n"; }
    { std::ofstream(autodir + "/broken.cfg") << "name = \n"; }
    REQUIRE(symlink((t.path + "/web1.cfg").c_str(), (autodir + "/web1.cfg").c_str()) == 0);
    const auto done = disable_autostart("web1", "host b;rm", autodir);
    REQUIRE(done.size() == 1);
    CHECK(done[0] == autodir + "/.web1.cfg.moved-to-host_b_rm");
    CHECK(std::filesystem::is_symlink(done[0]));  // the link itself, renamed; the config untouched
    CHECK(std::filesystem::exists(t.path + "/web1.cfg"));
    CHECK(std::filesystem::exists(autodir + "/db.cfg"));
    CHECK(std::filesystem::exists(autodir + "/broken.cfg"));
    CHECK(disable_autostart("web1", "b", autodir).empty());  // done once
    CHECK(disable_autostart("web1", "b", t.path + "/no-such-dir").empty());
}

TEST_CASE("storage check: the disks both hosts read, compared") {
    TempDir t;
    const std::string a = t.path + "/a.img", same = t.path + "/same.img", other = t.path + "/other.img", big = t.path + "/big.img",
                      tail = t.path + "/tail.img";
    const auto fill = [](const std::string &path, size_t bytes, char c, long at = -1, char mark = 0) {
        std::string data(bytes, c);
        if (at >= 0) data[static_cast<size_t>(at)] = mark;
        std::ofstream(path, std::ios::binary) << data;
    };
    fill(a, 3 << 20, 'x');
    fill(same, 3 << 20, 'x');
    fill(other, 3 << 20, 'x', 10, 'y');                 // differs in its first MiB
    fill(tail, 3 << 20, 'x', (3 << 20) - 5, 'y');       // ... in its last MiB
    fill(big, (3 << 20) + 512, 'x');
    // The real command, run by a real shell on real files.
    const std::vector<std::string> paths{a, same, other, tail, big, t.path + "/none.img"};
    const ProcessResult r = run_captured(disk_identity_command(paths), 60);
    REQUIRE(r.status == 0);
    const auto seen = parse_disk_identities(r.out, paths.size(), "here");
    REQUIRE(seen.size() == 6);
    CHECK(seen[0].found);
    CHECK(seen[0].id.size == 3u << 20);
    CHECK(seen[0].id == seen[1].id);
    CHECK(seen[0].id.head != seen[2].id.head);
    CHECK(seen[0].id.tail == seen[2].id.tail);
    CHECK(seen[0].id.head == seen[3].id.head);
    CHECK(seen[0].id.tail != seen[3].id.tail);
    CHECK_FALSE(seen[5].found);

    // Compared as the sender compares its own with the receiver's.
    const std::vector<std::string> disk{"/dev/vg/web1"};
    CHECK(compare_disks(disk, {seen[0]}, {seen[1]}, "b").empty());
    CHECK(compare_disks(disk, {seen[0]}, {seen[2]}, "b") ==
          "not the same disk on both hosts: /dev/vg/web1: its first MiB differs on b (another disk?)");
    CHECK(compare_disks(disk, {seen[0]}, {seen[3]}, "b") ==
          "not the same disk on both hosts: /dev/vg/web1: its last MiB differs on b (another disk?)");
    CHECK(compare_disks(disk, {seen[0]}, {seen[4]}, "b") ==
          "not the same disk on both hosts: /dev/vg/web1: 3145728 bytes here, 3146240 on b");
    CHECK(compare_disks(disk, {seen[0]}, {seen[5]}, "b") == "not the same disk on both hosts: /dev/vg/web1: b has no such disk");
    CHECK(compare_disks(disk, {seen[5]}, {seen[0]}, "b") == "not the same disk on both hosts: /dev/vg/web1: cannot be read here");

    // The receiver's output is untrusted: anything but one well-formed line per disk is refused.
    const std::string h(64, 'a');
    for (const auto &[out, want] : std::vector<std::pair<std::string, std::string>>{
             {"", "0 lines for 1 disks"},
             {"1 " + h + "\n1 " + h + " " + h + "\n", "line 1 is not"},
             {"-1 " + h + " " + h + "\n", "line 1 is not"},
             {"99999999999999999999 " + h + " " + h + "\n", "line 1 is not"},
             {"1 " + h + " " + h + " extra\n", "line 1 is not"},
             {"1 " + std::string(64, 'G') + " " + h + "\n", "line 1 is not"},
             {"1 " + h + " " + h + "\nmissing\n", "more lines than disks"},
             {"\xff\xfe\n", "line 1 is not"},
         }) {
        INFO(out);
        CHECK_THROWS_WITH(parse_disk_identities(out, 1, "b"), Catch::StartsWith("b: disk identities: ") && Catch::Contains(want));
    }
}

// destroy_by_uuid against xl's answers, scripted: each row is what the
// calls return in turn (list, destroy, list again), and the outcome.
TEST_CASE("recover: destroying the other copy, when it goes by itself meanwhile") {
    const std::string listed = std::string(R"([{"domid": 0, "config": {"c_info": {"name": "Domain-0"}}}, {"domid": 4, "config": {"c_info": {"uuid": ")") +
                               kUuid + R"(", "name": "web1"}}}])";
    const std::string gone = R"([{"domid": 0, "config": {"c_info": {"name": "Domain-0"}}}])";
    const ProcessResult ok_list{0, false, listed, ""}, ok_gone{0, false, gone, ""}, list_fails{1, false, "", "xl: cannot list"},
        destroyed{0, false, "", ""}, destroy_fails{1, false, "", "libxl: error: Domain 4:Non-existant domain"};
    struct Row {
        const char *what;
        std::vector<ProcessResult> answers;
        size_t calls;       // how many xl calls were made
        const char *error;  // "" when it succeeds
    };
    const Row rows[] = {
        {"not there: nothing destroyed", {ok_gone}, 1, ""},
        {"there: destroyed", {ok_list, destroyed}, 2, ""},
        {"destroy failed, gone by itself meanwhile", {ok_list, destroy_fails, ok_gone}, 3, ""},
        {"destroy failed, still there", {ok_list, destroy_fails, ok_list}, 3, "b: xl destroy: libxl: error: Domain 4:Non-existant domain"},
        {"destroy failed, xl cannot say again", {ok_list, destroy_fails, list_fails}, 3, "b: xl destroy: "},
        {"xl cannot list", {list_fails}, 1, "b: xl list -l failed"},
    };
    for (const Row &r : rows) {
        INFO(r.what);
        std::vector<std::vector<std::string>> asked;
        const XlRunner run = [&](const std::vector<std::string> &argv) {
            asked.push_back(argv);
            REQUIRE(asked.size() <= r.answers.size());
            return r.answers[asked.size() - 1];
        };
        if (std::string(r.error).empty()) CHECK_NOTHROW(destroy_by_uuid(run, kUuid, "b"));
        else CHECK_THROWS_WITH(destroy_by_uuid(run, kUuid, "b"), Catch::StartsWith(r.error));
        CHECK(asked.size() == r.calls);
        if (asked.size() >= 2) CHECK(asked[1] == std::vector<std::string>{"xl", "destroy", "4"});
    }
}
