// How long each step of a move may take, in seconds: one table for the
// moves (xl_moves.cpp) and recovery (recovery.cpp), so a step is given the
// same time whoever takes it.
#pragma once

namespace cpucompat::limits {

// The receiver destroys a copy the sender has not told to run within this
// time after it was built; the sender answers at once, so it only matters
// when the sender or the link is gone.
constexpr double kHoldSeconds = 30;
constexpr double kCreateSeconds = 300;     // building a domain, at most
constexpr double kSignOfLifeSeconds = 60;  // from running to CPU time used
constexpr double kAskSeconds = 60;         // one command (here or there), at most
constexpr double kGoneSeconds = 60;        // from shut down to destroyed here (devices torn down)

}  // namespace cpucompat::limits
