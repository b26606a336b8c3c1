// What xl and ssh print, read strictly: pure functions over their output,
// shared by the moves (xl_moves.cpp) and recovery (recovery.cpp). Output
// from another host is untrusted: anything not in the expected shape is an
// Error naming `what`, never a guess.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cpucompat {

// The first line of `s` that says something (not blank), "" if none.
std::string first_line(const std::string &s);

// What a failed `cpucompat` said went wrong (its first "cpucompat:" line),
// else the last line that says something: xl's own chatter comes first,
// ssh's word on a failed link last.
std::string reason_line(const std::string &err);

// `xl list -l`'s output: a JSON array of {"domid", "config"}. Throws Error
// naming `what` (the command and host) when it is not that.
nlohmann::json listed_domains_json(const std::string &out, const std::string &what);

// The domid of the domain whose libxl config has this uuid in `xl list -l`'s
// output; nullopt when none has it. A uuid is never empty here (Error).
std::optional<uint32_t> domid_with_uuid(const std::string &xl_list_l_out, const std::string &uuid, const std::string &what);

// The state letters and CPU seconds of the one domain in `xl list NAME`'s
// output (a header line, then "name id mem vcpus state time"); nullopt when
// the output is not that.
struct ListedDomain {
    std::string state;
    double cpu_seconds = 0;
    bool paused() const { return state.find('p') != std::string::npos; }
    bool crashed() const { return state.find('c') != std::string::npos; }
};
std::optional<ListedDomain> listed_domain(const std::string &xl_list_out);

}  // namespace cpucompat
