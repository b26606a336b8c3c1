// cpucompat migrate's pure parts: the decision table, the restart order
// with a failure injected at every step, and quoting for ssh.
#include <catch2/catch.hpp>

#include <cstdio>

#include "../../migration/decision.h"
#include "../../migration/remote_command.h"
#include "../../migration/restart.h"
#include "../../toolstack/core/error.h"
#include "helpers.h"

using namespace cpucompat;

TEST_CASE("migration decision table") {
    const Policy zen3 = testing::load("xen-cpuid-p-qemu-epyc-milan.txt", "pv-max");
    const Policy zen1 = testing::load("xen-cpuid-p-qemu-epyc.txt", "pv-max");
    const Policy intel = testing::load("xen-cpuid-p-qemu-skylake.txt", "pv-max");
    const Policy on_zen3 = testing::load("xen-cpuid-p-qemu-epyc-milan.txt", "pv-default");
    struct Row { const Policy *receiver; MoveOptions o; MoveKind kind; const char *reason; };
    const std::vector<Row> rows = {
        {&zen3, {}, MoveKind::live, "compatible: live migration"},
        {&zen3, {true, false}, MoveKind::live, "compatible: live migration"},
        {&zen1, {}, MoveKind::refuse, "the receiver lacks what the domain uses: missing: erms"},
        {&zen1, {false, true}, MoveKind::restart, "the receiver lacks what the domain uses; restart (--allow-restart): missing: erms"},
        {&zen1, {true, true}, MoveKind::refuse, "the receiver lacks what the domain uses: missing: erms"},
        {&intel, {}, MoveKind::restart, "vendors differ, a live move is impossible; shutdown and restart: vendor AuthenticAMD, host GenuineIntel"},
        {&intel, {true, false}, MoveKind::refuse, "vendors differ and --live-only forbids a restart: vendor AuthenticAMD, host GenuineIntel"},
    };
    for (const auto &r : rows) {
        INFO(r.reason);
        const Decision d = decide(on_zen3, *r.receiver, r.o);
        CHECK(move_kind_name(d.kind) == std::string(move_kind_name(r.kind)));
        CHECK_THAT(d.reason, Catch::StartsWith(r.reason));
    }
    // A limit alone is enough to refuse.
    Policy lower = zen3;
    lower.max_leaf = 7;
    CHECK_THAT(decide(on_zen3, lower, {}).reason, Catch::Contains("limits: max_leaf"));
}

namespace {

// Steps that record what ran and fail where told; the domain's whereabouts
// are tracked so the invariants can be checked after every scenario.
struct FakeSteps : RestartSteps {
    std::string fail_at;
    bool ignores_shutdown = false;
    std::vector<std::string> calls;
    bool on_sender = true, on_receiver = false;

    void step(const std::string &name) {
        calls.push_back(name);
        if (name == fail_at) throw Error(name + " failed (injected)");
    }
    void check_receiver() override { step("check_receiver"); }
    void save_config() override { step("save_config"); }
    bool shutdown(bool force) override {
        step("shutdown");
        if (ignores_shutdown && !force) return false;
        on_sender = false;
        return true;
    }
    void confirm_gone() override {
        step("confirm_gone");
        if (on_sender) throw Error("still there");
    }
    void create_on_receiver() override {
        on_receiver = true;  // a half-built copy exists even if this fails
        step("create_on_receiver");
    }
    void confirm_running_on_receiver() override { step("confirm_running_on_receiver"); }
    void destroy_on_receiver() override {
        step("destroy_on_receiver");
        on_receiver = false;
    }
    void start_on_sender() override {
        step("start_on_sender");
        on_sender = true;
    }
};

}  // namespace

TEST_CASE("restart move: a failure at each step, and where the domain ends up") {
    struct Row { const char *fail_at; bool ignores, force; RestartOutcome outcome; bool sender, receiver; };
    const std::vector<Row> rows = {
        {"", false, false, RestartOutcome::moved, false, true},
        {"check_receiver", false, false, RestartOutcome::not_started, true, false},
        {"save_config", false, false, RestartOutcome::not_started, true, false},
        {"", true, false, RestartOutcome::still_running, true, false},
        {"", true, true, RestartOutcome::moved, false, true},
        {"create_on_receiver", false, false, RestartOutcome::recovered, true, false},
        {"confirm_running_on_receiver", false, false, RestartOutcome::recovered, true, false},
    };
    for (const auto &r : rows) {
        INFO("fail at " << r.fail_at << (r.ignores ? ", guest ignores shutdown" : "") << (r.force ? ", forced" : ""));
        FakeSteps s;
        s.fail_at = r.fail_at;
        s.ignores_shutdown = r.ignores;
        double t = 0;
        const RestartReport rep = run_restart(s, r.force, [&t] { return t += 0.5; });
        CHECK(outcome_name(rep.outcome) == std::string(outcome_name(r.outcome)));
        CHECK(s.on_sender == r.sender);
        CHECK(s.on_receiver == r.receiver);
        CHECK_FALSE((s.on_sender && s.on_receiver));  // never running twice
        for (const auto &p : rep.phases) CHECK(p.seconds == 0.5);
        CHECK(rep.failure.empty() == (rep.outcome == RestartOutcome::moved));
    }
    // The receiver's copy fails and then cannot be destroyed: outcome
    // unknown, nothing restarted on the sender.
    struct TwoFailures : FakeSteps {
        void confirm_running_on_receiver() override { throw Error("no sign of life"); }
        void destroy_on_receiver() override { throw Error("ssh: connection refused"); }
    } s;
    const RestartReport rep = run_restart(s, false, [] { return 0.0; });
    CHECK(rep.outcome == RestartOutcome::unknown);
    CHECK_FALSE(s.on_sender);
    CHECK(rep.failure == "first-sign-of-life: no sign of life");
    // The sender's restart fails too: down, config kept (the report says so).
    struct : FakeSteps {
        void create_on_receiver() override { throw Error("no memory"); }
        void start_on_sender() override { throw Error("xl create failed"); }
    } both;
    CHECK(run_restart(both, false, [] { return 0.0; }).outcome == RestartOutcome::down);
}

TEST_CASE("remote commands: hostile names stay single arguments") {
    const std::vector<std::pair<std::string, std::string>> rows = {
        {"web1", "web1"},
        {"a b", "'a b'"},
        {"it's", "'it'\\''s'"},
        {"x;rm -rf /", "'x;rm -rf /'"},
        {"$(reboot)", "'$(reboot)'"},
        {"`id`", "'`id`'"},
        {"", "''"},
        {"new\nline", "'new\nline'"},
        {"/etc/xen/g.cfg", "/etc/xen/g.cfg"},
    };
    for (const auto &[in, out] : rows) {
        CHECK(shell_quote(in) == out);
        // And a real shell gives the argument back unchanged.
        FILE *p = popen(("printf '%s' " + shell_quote(in)).c_str(), "r");
        REQUIRE(p);
        std::string back;
        for (int c; (c = fgetc(p)) != EOF;) back += static_cast<char>(c);
        CHECK(pclose(p) == 0);
        CHECK(back == in);
    }
    CHECK(shell_line({"xl", "create", "/etc/xen/my vm.cfg", "name=\"a'b\""}) == "xl create '/etc/xen/my vm.cfg' 'name=\"a'\\''b\"'");
    CHECK(ssh_argv("ssh -p 2222", "b", {"xl", "list", "a b"}) ==
          std::vector<std::string>{"ssh", "-p", "2222", "--", "b", "xl list 'a b'"});
    CHECK_THROWS_WITH(ssh_argv("ssh", "-oProxyCommand=x", {"true"}), "host name \"-oProxyCommand=x\" starts with '-'");
    CHECK_THROWS_WITH(ssh_argv("ssh", "", {"true"}), "empty host name");
}
