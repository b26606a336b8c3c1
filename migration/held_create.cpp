#include "held_create.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iostream>
#include <sstream>
#include <memory>
#include <optional>

#include "../toolstack/adapters/xl_config.h"
#include "../toolstack/core/text.h"
#include "journal.h"
#include "move_limits.h"
#include "recovery.h"
#include "move.h"
#include "private_files.h"
#include "process.h"

namespace cpucompat {

namespace {

// One line from stdin within timeout_s; false on its end, an error or the timeout.
bool read_stdin_line(std::string &line, double timeout_s) {
    const double deadline = monotonic_seconds() + timeout_s;
    line.clear();
    for (;;) {
        const double left = deadline - monotonic_seconds();
        if (left <= 0) return false;
        pollfd fd{0, POLLIN, 0};
        const int n = poll(&fd, 1, static_cast<int>(left * 1000) + 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        char c;
        const ssize_t got = read(0, &c, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;
        if (c == '\n') return true;
        line += c;
    }
}

void say(const std::string &name, const std::string &msg) {
    std::cerr << "cpucompat: domain " << terminal_safe(name) << ": " << terminal_safe(msg) << std::endl;
}


// The uuid given as uuid="..." among the overrides, "" if none.
std::string override_uuid(const std::vector<std::string> &overrides) {
    std::string uuid;
    for (const auto &o : overrides)
        if (o.rfind("uuid=", 0) == 0) {
            uuid = o.substr(5);
            if (uuid.size() >= 2 && (uuid.front() == '"' || uuid.front() == '\'') && uuid.back() == uuid.front())
                uuid = uuid.substr(1, uuid.size() - 2);
        }
    return uuid;
}

// The sender's address as sshd tells it, "" when not run over ssh.
std::string ssh_peer() {
    const char *c = getenv("SSH_CLIENT");
    if (!c) return "";
    const std::string s(c);
    return s.substr(0, s.find(' '));
}

}  // namespace

int run_held_create(const std::string &config, const std::vector<std::string> &overrides, double hold_s,
                    const std::string &preload, const MoveJournalStore &journal) {
    // The sender's ssh session may end under us: that must reach the
    // destroy below, not end this process first. SIGINT and SIGTERM too:
    // the copy is destroyed, not left paused.
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    const std::string name = xl_config_domain_name(config, overrides);
    // The held copy is journalled before it exists, so a SIGKILL of this
    // process or a reboot leaves an entry `cpucompat recover` acts on: a
    // copy never told to run is destroyed, never run.
    const std::string uuid = override_uuid(overrides);
    std::unique_ptr<MigrationLock> lock;
    std::optional<MoveEntry> entry;
    if (!uuid.empty()) {
        try {
            lock = std::make_unique<MigrationLock>(uuid, "held");
            MoveEntry e;
            e.role = MoveRole::receiver;
            e.domain = name;
            e.uuid = uuid;
            e.sender = ssh_peer();
            e.receiver = this_host_name();
            e.saved_config = config;
            std::ifstream in(config);
            std::stringstream text;
            text << in.rdbuf();
            if (!in) throw Error(config + ": cannot read it");
            e.config = text.str();
            e.holder_pid = getpid();
            advance(e, MoveStep::held, unix_now());
            journal.write(e);
            entry = std::move(e);
        } catch (const Error &e) {
            say(name, std::string("not created: ") + e.what());
            return 1;
        }
    }
    const auto finish = [&](const char *outcome) {
        if (!entry) return;
        try {
            journal.finish(*entry, outcome, unix_now());
        } catch (const Error &e) {
            say(name, std::string("warning: ") + e.what() + " (cpucompat recover will close it)");
        }
    };
    std::vector<std::string> create{"xl", "create", "-p", config};
    create.insert(create.end(), overrides.begin(), overrides.end());
    if (const int rc = run_to_stderr(create, {"LD_PRELOAD=" + preload}); rc != 0) {
        say(name, "not created: xl create exited with " + std::to_string(rc) + " (its messages above)");
        finish("not-created");
        return 1;
    }
    const ProcessResult id = run_captured({"xl", "domid", name});
    const std::string domid = id.out.substr(0, id.out.find('\n'));
    if (id.status != 0 || domid.empty()) {
        say(name, "created, but xl domid does not find it: " + id.err);
        run_to_stderr({"xl", "destroy", name});
        finish("destroyed");
        return 1;
    }
    std::cout << "READY " << domid << std::endl;
    std::string line;
    if (read_stdin_line(line, hold_s) && line == "go") {
        if (run_to_stderr({"xl", "unpause", domid}) == 0) {
            finish("running-here");
            std::cout << "RUNNING" << std::endl;
            return 0;
        }
        say(name, "xl unpause failed; destroying it");
    } else {
        say(name, "the sender did not confirm within " + std::to_string(static_cast<int>(hold_s)) + " s; destroying it");
    }
    // The sender may have destroyed the copy already (a move it rolled
    // back): then xl destroy fails, and the entry is closed all the same
    // once xl lists no domain with this uuid. If xl cannot tell, it stays
    // open for `cpucompat recover`.
    const bool gone = run_to_stderr({"xl", "destroy", domid}) == 0 ||
                      (!uuid.empty() && locate_by_uuid([](const std::vector<std::string> &argv) { return run_captured(argv, limits::kAskSeconds); },
                                                       uuid) == Presence::absent);
    if (gone) finish("destroyed");
    return 1;
}

}  // namespace cpucompat
