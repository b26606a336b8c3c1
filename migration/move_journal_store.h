// The move journal's files (move_journal.h is the format and the rules):
// one file per open move in /var/lib/cpucompat/moves, UUID.json for the
// sender's entry, UUID.held.json for a receiver's held copy, each replaced
// durably at every step (private_files.h). A finished move goes to
// moves/done/ (kept for the audit; the oldest beyond kKeepFinished are
// removed), so the directory itself lists exactly the unfinished moves.
#pragma once

#include <string>
#include <vector>

#include "move_journal.h"

namespace cpucompat {

inline constexpr const char *kMovesDir = "/var/lib/cpucompat/moves";
inline constexpr std::size_t kKeepFinished = 500;

class MoveJournalStore {
public:
    explicit MoveJournalStore(std::string dir = kMovesDir) : dir_(std::move(dir)) {}
    const std::string &dir() const { return dir_; }
    std::string path_of(const MoveEntry &e) const;
    // Writes the entry durably (0600, no symlinks); throws Error naming the path.
    void write(const MoveEntry &e) const;
    // Finishes the entry with `outcome`, keeps it in done/, removes the open
    // file. Throws Error naming the path.
    void finish(MoveEntry &e, const std::string &outcome, long long now) const;

    struct Open {
        std::string path;
        MoveEntry entry;
    };
    struct Listing {
        std::vector<Open> entries;
        std::vector<std::string> unreadable;  // "PATH: why": reported, never ignored
    };
    // Every unfinished move here (none when the directory does not exist).
    Listing open_moves() const;

private:
    std::string dir_;
};

// Unix time now, for the history.
long long unix_now();

}  // namespace cpucompat
