// SIGINT, SIGTERM and SIGHUP while a move runs: never the end of the
// wrapper halfway through a step. The first one asks the move to stop
// (restart.h says where that is honoured: before the receiver is told to
// run, by rolling back; after, the move finishes), every later one is
// answered on stderr with what is being done and why it cannot stop now.
// SIGKILL cannot be caught: the move journal (move_journal.h) is for it.
#pragma once

#include <string>

namespace cpucompat {

class StopSignals {
public:
    StopSignals();   // installs the handlers (and ignores SIGPIPE)
    ~StopSignals();  // restores what was there
    StopSignals(const StopSignals &) = delete;
    StopSignals &operator=(const StopSignals &) = delete;

    // Whether a signal asked to stop, and which (0: none).
    static bool requested();
    static int which();
    // What the move is doing, for the answer to a later signal.
    static void doing(const std::string &what);
};

}  // namespace cpucompat
