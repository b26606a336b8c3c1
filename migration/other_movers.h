// Another process moving or saving a domain, seen from outside it.
// cpucompat's per-domain lock is its own: a plain `xl migrate` or `xl save`
// (or libvirt) takes none of it, and a domain in the middle of one still
// looks like any running domain. What can be seen is the processes: xl
// naming the domain, and libxl's save helper, which every libxl client runs
// for the domain's id while its memory is sent (libxl_save_callout.c:
// "libxl-save-helper --save-domain STREAM_FD BACK_FD DOMID ...").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cpucompat {

struct ProcessArgs {
    long pid = 0;
    std::vector<std::string> argv;
};

// The first process in `ps` that moves or saves the domain `name` (id
// `domid`): xl migrate, save or remus with an argument equal to the name
// or the id, or a save helper for the id. "" when none. Said as
// "xl migrate evm c (pid 812)". Conservative on purpose: an xl argument
// equal to the name counts whatever option it belongs to (a move skipped
// in doubt waits; one made in doubt may meet a domain that is going away).
std::string other_mover(const std::vector<ProcessArgs> &ps, const std::string &name, uint32_t domid);

}  // namespace cpucompat
