#include "stop_signals.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>

namespace cpucompat {

namespace {

volatile sig_atomic_t g_signal = 0;
// Written outside the handler only while the signals are blocked.
char g_doing[512] = "a move";

void write_all(const char *s) {
    const size_t n = strlen(s);
    ssize_t r = write(2, s, n);
    (void)r;
}

void on_signal(int sig) {
    const bool first = g_signal == 0;
    if (first) g_signal = sig;
    // Only async-signal-safe calls here.
    write_all(first ? "\ncpucompat: signal received: stopping the move where it can be stopped safely ("
                    : "\ncpucompat: still busy, cannot stop now (");
    write_all(g_doing);
    write_all(first ? "); a second signal changes nothing\n"
                    : "): stopping here would leave the domain down or running twice; it ends by itself\n");
}

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_old[3], g_old_pipe;

sigset_t stop_set() {
    sigset_t s;
    sigemptyset(&s);
    for (int sig : kSignals) sigaddset(&s, sig);
    return s;
}

}  // namespace

StopSignals::StopSignals() {
    g_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &sa, &g_old[i]);
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &g_old_pipe);
}

StopSignals::~StopSignals() {
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &g_old[i], nullptr);
    sigaction(SIGPIPE, &g_old_pipe, nullptr);
}

bool StopSignals::requested() { return g_signal != 0; }
int StopSignals::which() { return g_signal; }

void StopSignals::doing(const std::string &what) {
    const sigset_t s = stop_set();
    sigset_t old;
    sigprocmask(SIG_BLOCK, &s, &old);
    const size_t n = std::min(what.size(), sizeof g_doing - 1);
    memcpy(g_doing, what.data(), n);
    g_doing[n] = '\0';
    sigprocmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace cpucompat
