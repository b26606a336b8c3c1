// A scripted RestartSteps for the restart move's tables: records what ran,
// fails where told, and tracks where the domain is (sender, receiver paused
// or running) so every scenario can be checked against restart.h's and
// move_journal.h's invariants. Shared by migration_test and
// move_journal_test.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "../../migration/restart.h"
#include "../../toolstack/core/error.h"

namespace cpucompat {

enum class Fault { none, error, link_lost, not_committed };

// The wrapper dying (SIGKILL) in the middle of a step: not an exception the
// move can catch (run_restart catches std::exception only).
struct Killed {};

// Steps that record what ran and fail where told, tracking where the
// domain is so the invariants can be checked after every scenario. The
// receiver's copy is built paused and destroys itself unless committed
// (the hold), as `cpucompat create --hold` does.
struct FakeSteps : RestartSteps {
    std::map<std::string, Fault> faults;
    bool ignores_shutdown = false;
    bool go_arrives = false;  // a commit without answer reached the receiver all the same
    // The wrapper is killed as the named step begins, or once it took effect.
    std::string kill_before, kill_after;
    std::vector<std::string> calls;
    bool on_sender = true;
    enum class There { none, paused, running } there = There::none;

    void step(const std::string &name) {
        calls.push_back(name);
        if (name == kill_before) throw Killed{};
        switch (faults[name]) {
        case Fault::none: return;
        case Fault::error: throw Error(name + " failed (injected)");
        case Fault::link_lost: throw LinkLost(name + ": link lost (injected)");
        case Fault::not_committed: throw NotCommitted(name + ": never sent (injected)");
        }
    }
    void took_effect(const std::string &name) const {
        if (name == kill_after) throw Killed{};
    }
    void check_receiver() override { step("check"); }
    void save_config() override { step("save"); }
    bool shutdown(bool force) override {
        step("shutdown");
        if (ignores_shutdown && !force) return false;
        on_sender = false;
        took_effect("shutdown");
        return true;
    }
    void confirm_gone() override {
        step("gone");
        if (on_sender) throw Error("still there");
        took_effect("gone");
    }
    void check_storage() override { step("storage"); }
    void create_paused_on_receiver() override {
        if (kill_before == "create") step("create");
        there = There::paused;
        try {
            step("create");
        } catch (const std::exception &) {
            there = There::none;  // the hold ran out
            throw;
        }
        took_effect("create");
    }
    void commit_on_receiver() override {
        if (kill_before == "commit") step("commit");
        const Fault f = faults["commit"];
        there = f == Fault::none || (f == Fault::link_lost && go_arrives) ? There::running : There::none;
        step("commit");
        took_effect("commit");
    }
    void confirm_running_on_receiver() override {
        step("confirm");
        took_effect("confirm");
    }
    bool running_on_receiver() override {
        step("locate");
        if (there == There::paused) there = There::none;
        return there == There::running;
    }
    void destroy_on_receiver() override {
        step("destroy");
        there = There::none;
        took_effect("destroy");
    }
    void start_on_sender() override {
        step("start");
        on_sender = true;
        took_effect("start");
    }
};

}  // namespace cpucompat
