// Files a move must neither lose nor leak: move locks, the move journal,
// saved domain configs (they may hold vncpasswd), the audit log. They live
// in directories that only root can write; a symlink or a file planted by
// someone else is refused, naming the path, never followed.
#pragma once

#include <string>

namespace cpucompat {

// Creates `dir` (and its parents) with `mode` if absent. Throws Error
// naming the path if it is a symlink, not a directory, owned by someone
// other than root or this user, or writable by group or others.
void ensure_private_dir(const std::string &dir, unsigned mode = 0700);

// open(2) with O_NOFOLLOW | O_CLOEXEC and mode 0600 for a created file;
// the file must be a regular one. Throws Error naming the path.
int open_private(const std::string &path, int flags);

// Replaces `path` with `data` so that a crash at any moment leaves either
// the old or the new content: a 0600 temporary file in the same directory,
// fsync, rename, fsync of the directory. Throws Error naming the path.
void write_durably(const std::string &path, const std::string &data);

// The whole of a file opened with open_private (at most max_bytes: a
// larger one is refused, not cut).
std::string read_private(const std::string &path, std::size_t max_bytes);

}  // namespace cpucompat
