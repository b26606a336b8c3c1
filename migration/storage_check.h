// Shared storage, proven before a restart: after the guest has shut down
// here and before it is created there, each of its disks (file, phy: block
// device, LV) is identified on both hosts by its size and a SHA-256 of its
// first and last MiB. Equal on both: the same disk, as far as this can
// tell. Pure: the command both hosts run, the reading of its output, the
// comparison. migration/xl_moves.cpp runs it here and over ssh.
//
// What it proves: each disk exists on the receiver, has the same size, and
// begins and ends with the same bytes: another LV or image under the same
// name, an empty or resized one, a mount that is not there, are caught.
// What it does not: the bytes in between (an out-of-date replica of the
// same image, a snapshot, passes), nor data a host still caches (a file on
// NFS written without direct I/O). It reads 2 MiB per disk on each host.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cpucompat {

enum class StorageCheck { digest, none };
const char *storage_check_name(StorageCheck s);

struct DiskIdentity {
    uint64_t size = 0;
    std::string head, tail;  // SHA-256 in hex of the first and the last MiB (the whole disk if smaller)
    bool operator==(const DiskIdentity &o) const { return size == o.size && head == o.head && tail == o.tail; }
};

// argv for `sh -c` that prints one line "SIZE HEAD TAIL" per disk path
// given after it, in order, or "missing" for a path that is not a readable
// file or block device. POSIX sh with blockdev, stat, dd and sha256sum
// (coreutils/util-linux or busybox): nothing of cpucompat's on the far side.
std::vector<std::string> disk_identity_command(const std::vector<std::string> &paths);

// The output of that command for `paths`, read strictly (untrusted when it
// comes from the receiver): exactly one well-formed line per path, a
// missing disk as nullopt-like `found == false`. Throws Error naming `where`.
struct DiskSeen {
    bool found = false;
    DiskIdentity id;
};
std::vector<DiskSeen> parse_disk_identities(const std::string &out, size_t count, const std::string &where);

// "" when every disk is the same on both hosts; else one line naming each
// disk that differs and how.
std::string compare_disks(const std::vector<std::string> &paths, const std::vector<DiskSeen> &here,
                          const std::vector<DiskSeen> &there, const std::string &receiver);

}  // namespace cpucompat
