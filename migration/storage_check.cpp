#include "storage_check.h"

#include <sstream>

#include "../toolstack/core/error.h"

namespace cpucompat {

namespace {

bool is_sha256(const std::string &s) {
    if (s.size() != 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

// The last MiB starts at SIZE - 1 MiB, read in 512-byte blocks (every block
// device's size is a multiple of them; a file's tail is read the same way on
// both hosts, so equal files still give equal digests).
constexpr const char *kScript =
    "for p; do "
    "if [ -b \"$p\" ]; then s=$(blockdev --getsize64 \"$p\" 2>/dev/null); "
    "elif [ -f \"$p\" ] && [ -r \"$p\" ]; then s=$(stat -L -c %s \"$p\" 2>/dev/null); "
    "else s=; fi; "
    "case $s in ''|*[!0-9]*) echo missing; continue;; esac; "
    // This host's cache of a shared block device may be older than what
    // another host wrote to it: dropped first (BLKFLSBUF).
    "[ -b \"$p\" ] && blockdev --flushbufs \"$p\" 2>/dev/null; "
    "h=$(dd if=\"$p\" bs=512 count=2048 2>/dev/null | sha256sum | cut -d' ' -f1); "
    "k=0; [ \"$s\" -gt 1048576 ] && k=$(( (s - 1048576) / 512 )); "
    "t=$(dd if=\"$p\" bs=512 skip=$k count=2048 2>/dev/null | sha256sum | cut -d' ' -f1); "
    "echo \"$s $h $t\"; "
    "done";

}  // namespace

const char *storage_check_name(StorageCheck s) { return s == StorageCheck::digest ? "digest" : "none"; }

std::vector<std::string> disk_identity_command(const std::vector<std::string> &paths) {
    std::vector<std::string> argv{"sh", "-c", kScript, "sh"};
    argv.insert(argv.end(), paths.begin(), paths.end());
    return argv;
}

std::vector<DiskSeen> parse_disk_identities(const std::string &out, size_t count, const std::string &where) {
    std::vector<DiskSeen> seen;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
        if (seen.size() == count) throw Error(where + ": disk identities: more lines than disks");
        DiskSeen d;
        if (line == "missing") {
            seen.push_back(d);
            continue;
        }
        std::istringstream cols(line);
        std::string size, rest;
        if (!(cols >> size >> d.id.head >> d.id.tail) || (cols >> rest) || size.empty() || size.size() > 19 ||
            size.find_first_not_of("0123456789") != std::string::npos || !is_sha256(d.id.head) || !is_sha256(d.id.tail))
            throw Error(where + ": disk identities: line " + std::to_string(seen.size() + 1) + " is not \"SIZE SHA256 SHA256\"");
        d.id.size = std::stoull(size);
        d.found = true;
        seen.push_back(d);
    }
    if (seen.size() != count)
        throw Error(where + ": disk identities: " + std::to_string(seen.size()) + " lines for " + std::to_string(count) + " disks");
    return seen;
}

std::string compare_disks(const std::vector<std::string> &paths, const std::vector<DiskSeen> &here,
                          const std::vector<DiskSeen> &there, const std::string &receiver) {
    std::string why;
    const auto add = [&](const std::string &s) { why += (why.empty() ? "" : "; ") + s; };
    for (size_t i = 0; i < paths.size() && i < here.size() && i < there.size(); ++i) {
        const std::string &p = paths[i];
        if (!here[i].found) add(p + ": cannot be read here");
        else if (!there[i].found) add(p + ": " + receiver + " has no such disk");
        else if (here[i].id.size != there[i].id.size)
            add(p + ": " + std::to_string(here[i].id.size) + " bytes here, " + std::to_string(there[i].id.size) + " on " + receiver);
        else if (here[i].id.head != there[i].id.head) add(p + ": its first MiB differs on " + receiver + " (another disk?)");
        else if (here[i].id.tail != there[i].id.tail) add(p + ": its last MiB differs on " + receiver + " (another disk?)");
    }
    return why.empty() ? "" : "not the same disk on both hosts: " + why;
}

}  // namespace cpucompat
