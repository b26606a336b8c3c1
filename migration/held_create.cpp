#include "held_create.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>

#include "../toolstack/adapters/xl_config.h"
#include "../toolstack/core/text.h"
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

}  // namespace

int run_held_create(const std::string &config, const std::vector<std::string> &overrides, double hold_s,
                    const std::string &preload) {
    // The sender's ssh session may end under us: that must reach the
    // destroy below, not end this process first.
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    const std::string name = xl_config_domain_name(config, overrides);
    std::vector<std::string> create{"xl", "create", "-p", config};
    create.insert(create.end(), overrides.begin(), overrides.end());
    if (const int rc = run_to_stderr(create, {"LD_PRELOAD=" + preload}); rc != 0) {
        say(name, "not created: xl create exited with " + std::to_string(rc) + " (its messages above)");
        return 1;
    }
    const ProcessResult id = run_captured({"xl", "domid", name});
    const std::string domid = id.out.substr(0, id.out.find('\n'));
    if (id.status != 0 || domid.empty()) {
        say(name, "created, but xl domid does not find it: " + id.err);
        run_to_stderr({"xl", "destroy", name});
        return 1;
    }
    std::cout << "READY " << domid << std::endl;
    std::string line;
    if (read_stdin_line(line, hold_s) && line == "go") {
        if (run_to_stderr({"xl", "unpause", domid}) == 0) {
            std::cout << "RUNNING" << std::endl;
            return 0;
        }
        say(name, "xl unpause failed; destroying it");
    } else {
        say(name, "the sender did not confirm within " + std::to_string(static_cast<int>(hold_s)) + " s; destroying it");
    }
    run_to_stderr({"xl", "destroy", domid});
    return 1;
}

}  // namespace cpucompat
