// cpucompat migrate's pure parts: the decision table, the restart order
// with a failure injected at every step, and quoting for ssh.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../migration/decision.h"
#include "../../migration/other_movers.h"
#include "../../migration/process.h"
#include "../../migration/remote_command.h"
#include "../../migration/restart.h"
#include "../../toolstack/core/catalogue.h"
#include "../../toolstack/core/error.h"
#include "fake_restart_steps.h"
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
    // A live move this host's Xen cannot do (Debian's Xen 4.17: no shadow
    // paging, so no live migration of PV guests).
    const LiveCapability no_pv_live = live_capability(true, true, false);
    CHECK_FALSE(no_pv_live.possible);
    CHECK(no_pv_live.why_not == "this host's Xen cannot migrate PV guests live (it is built without shadow paging)");
    struct LiveRow { MoveOptions o; MoveKind kind; const char *reason; };
    for (const auto &r : std::vector<LiveRow>{
             {{}, MoveKind::refuse, "compatible, but this host's Xen cannot migrate PV guests live (it is built without shadow paging); --allow-restart restarts it instead"},
             {{false, true}, MoveKind::restart, "compatible, but this host's Xen cannot migrate PV guests live (it is built without shadow paging); restart (--allow-restart)"},
             {{true, true}, MoveKind::refuse, "compatible, but this host's Xen cannot migrate PV guests live (it is built without shadow paging); --live-only forbids a restart"},
         }) {
        const Decision d = decide(on_zen3, zen3, r.o, no_pv_live);
        CHECK(d.kind == r.kind);
        CHECK(d.reason == r.reason);
    }
    // Across vendors it is a restart either way; features missing stay the reason to refuse.
    CHECK(decide(on_zen3, intel, {}, no_pv_live).kind == MoveKind::restart);
    CHECK_THAT(decide(on_zen3, zen1, {}, no_pv_live).reason, Catch::StartsWith("the receiver lacks what the domain uses: missing: erms"));
    // What each kind of guest needs of Xen to move live.
    CHECK(live_capability(true, false, true).possible);     // PV: shadow paging
    CHECK(live_capability(false, true, false).possible);    // HVM, PVH: HAP...
    CHECK(live_capability(false, false, true).possible);    // ... or shadow
    CHECK_FALSE(live_capability(false, false, false).possible);

    // A limit alone is enough to refuse.
    Policy lower = zen3;
    lower.max_leaf = 7;
    CHECK_THAT(decide(on_zen3, lower, {}).reason, Catch::Contains("limits: max_leaf"));
}

// A restart creates the domain afresh there, by its record's mode: the
// receiver must meet the mode's floor, and the guest must boot with it.
TEST_CASE("restart refusal: the mode's floor there, and what the guest needs") {
    const TemplateLibrary &lib = testing::baselines();
    const Policy intel = testing::load("xen-cpuid-p-qemu-skylake.txt", "pv-max");  // TCG: no acpi, ss; no avx (GDS)
    const Policy zen3 = testing::load("xen-cpuid-p-qemu-epyc-milan.txt", "pv-max");
    // What the guests need of a PV domain (HVM-only features never asked).
    const Featureset rhel9 = lib.at("x86-64-v2").require->minus(Catalogue::get().hvm_only()).minus(Catalogue::get().state_bits());
    const Featureset rhel10 = lib.at("x86-64-v3").require->minus(Catalogue::get().hvm_only()).minus(Catalogue::get().state_bits());
    struct Row { std::optional<std::string> mode; std::string guest; std::optional<Featureset> needs; const Policy *there; const char *want; };
    const std::vector<Row> rows = {
        {std::nullopt, "", std::nullopt, &intel, ""},                          // no record: the receiver's plugin judges
        {"level:x86-64-v2", "", std::nullopt, &intel, ""},
        {"level:x86-64-v2", "rhel-9", rhel9, &intel, ""},
        {"vendor", "", std::nullopt, &intel, "mode vendor there: host is below the floor of \"vendor-intel\": it lacks"},
        {"level:x86-64-v3", "", std::nullopt, &intel, "mode level:x86-64-v3 there: host is below the floor of \"x86-64-v3\": it lacks"},
        {"level:x86-64-v2", "rhel-10", rhel10, &zen3, "its guest rhel-10 would not boot: it needs "},
        {"off", "rhel-10", rhel10, &zen3, ""},                                   // Zen 3 gives it all
        {"level:x86-64-v2", "rhel-10", std::nullopt, &zen3, ""},                // a guest this build does not know
        {"file:/etc/xen/mine.yaml", "rhel-9", rhel9, &intel, ""},                // the receiver's file: its plugin judges
        {"pool", "rhel-9", rhel9, &intel, ""},
    };
    for (const auto &r : rows) {
        INFO(r.mode.value_or("(no record)") << " " << r.guest);
        RestartFit fit;
        if (r.mode) fit.mode = parse_mode(*r.mode);
        fit.guest_os = r.guest;
        fit.guest_minimum = r.needs;
        const std::string why = restart_refusal(fit, *r.there, GuestType::pv, lib);
        INFO(why);
        if (std::string(r.want).empty()) CHECK(why.empty());
        else CHECK_THAT(why, Catch::StartsWith(r.want));
    }
    // A move that would be a restart is refused with it; a live one is not touched.
    const Policy on_zen3 = testing::load("xen-cpuid-p-qemu-epyc-milan.txt", "pv-default");
    const Decision blocked = decide(on_zen3, intel, {}, {}, "mode vendor there: host is below the floor");
    CHECK(blocked.kind == MoveKind::refuse);
    CHECK_THAT(blocked.reason, Catch::StartsWith("vendors differ, a live move is impossible; shutdown and restart: vendor AuthenticAMD, host GenuineIntel") &&
                                   Catch::EndsWith("; but a restart there would not do: mode vendor there: host is below the floor"));
    CHECK(decide(on_zen3, zen3, {}, {}, "anything").kind == MoveKind::live);
}

// Plain xl (or libvirt) moving or saving a domain takes no cpucompat lock:
// its processes tell.
TEST_CASE("other movers: xl migrate/save naming the domain, or libxl's save helper for its id") {
    using Ps = std::vector<ProcessArgs>;
    const ProcessArgs helper{812, {"/usr/lib/xen-4.17/bin/libxl-save-helper", "--save-domain", "9", "10", "7", "0", "0", "1", "1", "0", "0"}};
    struct Row { Ps ps; std::string want; };
    const std::vector<Row> rows = {
        {{}, ""},
        {{{10, {"/usr/sbin/xl", "migrate", "evm", "c"}}}, "xl migrate evm c (pid 10)"},
        {{{11, {"xl", "-v", "migrate", "-s", "ssh -p 2222", "evm", "c"}}}, "xl -v migrate -s ssh -p 2222 evm c (pid 11)"},
        {{{12, {"xl", "save", "7", "/tmp/evm.save"}}}, "xl save 7 /tmp/evm.save (pid 12)"},
        {{{13, {"xl", "remus", "evm", "backup"}}}, "xl remus evm backup (pid 13)"},
        {{helper}, "libxl-save-helper --save-domain 9 10 7 0 0 1 ... (pid 812)"},
        // Not this domain, or not a move.
        {{{14, {"xl", "migrate", "evm2", "c"}}}, ""},
        {{{15, {"xl", "list", "evm"}}}, ""},
        {{{16, {"xl", "shutdown", "evm"}}}, ""},
        {{{17, {"/usr/lib/xen-4.17/bin/libxl-save-helper", "--save-domain", "9", "10", "17"}}}, ""},
        {{{18, {"/usr/lib/xen-4.17/bin/libxl-save-helper", "--restore-domain", "9", "10", "7"}}}, ""},
        {{{19, {"libxl-save-helper", "--save-domain", "9"}}}, ""},  // too short to name a domain
        {{{20, {"cpucompat", "migrate", "evm", "c"}}}, ""},        // ours: the lock tells
        {{{21, {"sh", "-c", "xl migrate evm c"}}}, ""},
        {{{22, {"xl", "migrate", "evm\nc"}}}, ""},
        {{{23, {"xl"}}}, ""},
        {{{24, {}}, {25, {"xl", "migrate", "evm", "c\x1b[2J"}}}, "xl migrate evm c?[2J (pid 25)"},
    };
    for (const auto &r : rows) {
        INFO(r.want);
        CHECK(other_mover(r.ps, "evm", 7) == r.want);
    }
    // The first such process, in the order given.
    CHECK(other_mover({helper, {10, {"xl", "migrate", "evm", "c"}}}, "evm", 7) == "libxl-save-helper --save-domain 9 10 7 0 0 1 ... (pid 812)");
    // The real /proc: this test's own process is left out, and something is read.
    const auto ps = running_processes();
    CHECK_FALSE(ps.empty());
    for (const auto &p : ps) CHECK(p.pid != static_cast<long>(getpid()));
}

// A process may exit between the listing of /proc and the read of its
// cmdline: the kernel then answers read() with ESRCH. Seen in the lab as a
// move ended by "basic_filebuf::underflow error reading the file: No such
// process". Here made to happen: a child's cmdline opened, the child killed
// and reaped, then read.
TEST_CASE("running_processes: a process gone between open and read is an error read_all reports, not throws") {
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        pause();
        _exit(0);
    }
    const int fd = ::open(("/proc/" + std::to_string(child) + "/cmdline").c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    kill(child, SIGKILL);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK_FALSE(read_all(fd).has_value());
    ::close(fd);
    // A readable file is read whole.
    const int self = ::open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    REQUIRE(self >= 0);
    const auto mine = read_all(self);
    ::close(self);
    REQUIRE(mine.has_value());
    CHECK(mine->find("unit-tests") != std::string::npos);
}

TEST_CASE("restart move: failures at each step, and where the domain ends up") {
    using There = FakeSteps::There;
    struct Row {
        std::map<std::string, Fault> faults;
        bool ignores, force, go_arrives;
        RestartOutcome outcome;
        bool sender;
        There there;
        bool destroyed_there;
    };
    const auto E = Fault::error, L = Fault::link_lost, N = Fault::not_committed;
    const std::vector<Row> rows = {
        {{}, false, false, false, RestartOutcome::moved, false, There::running, false},
        {{{"check", E}}, false, false, false, RestartOutcome::not_started, true, There::none, false},
        {{{"save", E}}, false, false, false, RestartOutcome::not_started, true, There::none, false},
        {{}, true, false, false, RestartOutcome::still_running, true, There::none, false},
        {{}, true, true, false, RestartOutcome::moved, false, There::running, false},
        // Before the commit nothing there can run: back here at once, even with the link gone.
        {{{"create", E}}, false, false, false, RestartOutcome::recovered, true, There::none, false},
        {{{"create", L}}, false, false, false, RestartOutcome::recovered, true, There::none, false},
        {{{"commit", N}}, false, false, false, RestartOutcome::recovered, true, There::none, false},
        // The receiver answered no: make sure its copy is gone, then back here.
        {{{"commit", E}}, false, false, false, RestartOutcome::recovered, true, There::none, true},
        // No answer to the commit: ask until it tells.
        {{{"commit", L}}, false, false, false, RestartOutcome::recovered, true, There::none, false},
        {{{"commit", L}}, false, false, true, RestartOutcome::moved, false, There::running, false},
        {{{"commit", L}, {"locate", L}}, false, false, true, RestartOutcome::unknown, false, There::running, false},
        {{{"commit", L}, {"locate", L}}, false, false, false, RestartOutcome::unknown, false, There::none, false},
        // Running there but no sign of life: destroyed there, back here.
        {{{"confirm", E}}, false, false, false, RestartOutcome::recovered, true, There::none, true},
        {{{"confirm", L}}, false, false, false, RestartOutcome::unknown, false, There::running, false},
        {{{"confirm", E}, {"destroy", L}}, false, false, false, RestartOutcome::unknown, false, There::running, true},
        {{{"create", E}, {"start", E}}, false, false, false, RestartOutcome::down, false, There::none, false},
    };
    for (const auto &r : rows) {
        std::string faults;
        for (const auto &[step, f] : r.faults) faults += step + "=" + std::to_string(static_cast<int>(f)) + " ";
        INFO("faults " << faults << (r.ignores ? "guest ignores shutdown " : "") << (r.force ? "forced " : "")
                       << (r.go_arrives ? "go arrives" : ""));
        FakeSteps s;
        s.faults = r.faults;
        s.ignores_shutdown = r.ignores;
        s.go_arrives = r.go_arrives;
        double t = 0;
        const RestartReport rep = run_restart(s, r.force, [&t] { return t += 0.5; });
        CHECK(outcome_name(rep.outcome) == std::string(outcome_name(r.outcome)));
        CHECK(s.on_sender == r.sender);
        CHECK(static_cast<int>(s.there) == static_cast<int>(r.there));
        CHECK_FALSE((s.on_sender && s.there != There::none));  // never on both hosts
        const bool destroyed = std::find(s.calls.begin(), s.calls.end(), "destroy") != s.calls.end();
        CHECK(destroyed == r.destroyed_there);
        for (const auto &p : rep.phases) CHECK(p.seconds == 0.5);
        CHECK(rep.failure.empty() == (rep.outcome == RestartOutcome::moved && r.faults.empty()));
    }
}

TEST_CASE("restart move: the receiver's copy is created only once the sender's is gone") {
    FakeSteps s;
    s.faults["gone"] = Fault::error;  // shut down, yet still listed
    const RestartReport rep = run_restart(s, false, [] { return 0.0; });
    CHECK(rep.outcome == RestartOutcome::unknown);
    CHECK(std::find(s.calls.begin(), s.calls.end(), "create") == s.calls.end());
    CHECK(std::find(s.calls.begin(), s.calls.end(), "start") == s.calls.end());
    CHECK(rep.failure == "confirm-gone: gone failed (injected)");
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

TEST_CASE("ssh keepalive is added to OpenSSH's ssh only") {
    CHECK(with_keepalive("ssh") == "ssh -o ConnectTimeout=15 -o ServerAliveInterval=5 -o ServerAliveCountMax=6");
    CHECK(with_keepalive("") == "ssh -o ConnectTimeout=15 -o ServerAliveInterval=5 -o ServerAliveCountMax=6");
    CHECK(with_keepalive("/usr/bin/ssh -p 2222") == "/usr/bin/ssh -p 2222 -o ConnectTimeout=15 -o ServerAliveInterval=5 -o ServerAliveCountMax=6");
    CHECK(with_keepalive("dbclient -y") == "dbclient -y");
    CHECK(with_keepalive("sshpass -p x ssh") == "sshpass -p x ssh");
}

TEST_CASE("shared ssh connections: OpenSSH's ssh only, one socket per command and host") {
    const std::string shared = with_shared_connection("ssh", "/run/cpucompat/ssh", 240);
    CHECK(shared.rfind("ssh -o ControlMaster=auto -o ControlPath=/run/cpucompat/ssh/", 0) == 0);
    CHECK(shared.size() > 30);
    CHECK(shared.substr(shared.size() - 25) == "-%C -o ControlPersist=240");
    // ssh_argv splits it into words again: no word may be lost or merged.
    CHECK(ssh_argv(shared, "b", {"true"}).size() == 10);
    // Another command (another key, port...) gets another socket; the
    // same command the same one.
    const auto path = [](const std::string &cmd) {
        const std::string s = with_shared_connection(cmd, "/d", 1);
        const auto at = s.find("ControlPath=");
        return s.substr(at, s.find(' ', at) - at);
    };
    CHECK(path("ssh") == path("ssh"));
    CHECK(path("ssh") != path("ssh -i /root/.ssh/other"));
    CHECK(path("ssh -p 2222") != path("ssh -p 2223"));
    CHECK(with_shared_connection("ssh", "/d", 0).find("ControlPersist=1") != std::string::npos);
    CHECK(with_shared_connection("dbclient -y", "/d", 60) == "dbclient -y");
    CHECK(with_shared_connection("ssh", "", 60) == "ssh");
    CHECK(with_shared_connection("ssh", "/my dir", 60) == "ssh");
    CHECK(with_shared_connection("ssh", "/d%h", 60) == "ssh");
}

// The sender's end of `cpucompat create --hold`, against real processes.
TEST_CASE("session: lines both ways, the end of the other side, timeouts") {
    SECTION("a conversation") {
        Session s({"sh", "-c", "echo READY 7; read x; echo \"got $x\"; echo said >&2"});
        std::string line;
        REQUIRE(s.read_line(line, 10));
        CHECK(line == "READY 7");
        CHECK(s.write_line("go"));
        REQUIRE(s.read_line(line, 10));
        CHECK(line == "got go");
        CHECK_FALSE(s.read_line(line, 10));  // its end
        CHECK_FALSE(s.timed_out());
        CHECK(s.finish(10) == 0);
        CHECK(s.err() == "said\n");
    }
    SECTION("it fails: exit status and stderr") {
        Session s({"sh", "-c", "echo 'cpucompat: domain x: not created' >&2; exit 3"});
        std::string line;
        CHECK_FALSE(s.read_line(line, 10));
        CHECK_FALSE(s.timed_out());
        CHECK(s.finish(10) == 3);
        CHECK(s.err() == "cpucompat: domain x: not created\n");
        CHECK_FALSE(s.write_line("go"));  // its stdin is closed: an error, not SIGPIPE
    }
    SECTION("it says nothing in time") {
        Session s({"sh", "-c", "sleep 30"});
        std::string line;
        const double t0 = monotonic_seconds();
        CHECK_FALSE(s.read_line(line, 0.3));
        CHECK(s.timed_out());
        CHECK(s.finish(0.3) == -1);  // killed
        CHECK(monotonic_seconds() - t0 < 5);
    }
    SECTION("it no longer reads when written to") {
        Session s({"sh", "-c", "exec <&-; echo closed; sleep 1"});
        std::string line;
        REQUIRE(s.read_line(line, 10));
        CHECK(line == "closed");
        CHECK_FALSE(s.write_line("go"));  // EPIPE, and this process lives on
        CHECK(s.finish(10) == 0);
    }
    CHECK_THROWS_WITH(Session({"/nonexistent/cmd"}), Catch::StartsWith("cannot run /nonexistent/cmd"));
}
