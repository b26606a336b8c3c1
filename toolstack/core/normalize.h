// Normalization modes: the domain policy a mode gives on a host.
//   off            what plain xl gives: the host's features Xen offers guests by default
//   vendor         the fixed baseline of the host's vendor (vendor-intel, vendor-amd)
//   level:NAME     a named baseline (x86-64-v2, nehalem, zen3, ...)
//   hyperv-r2      the Hyper-V 2008 R2 compatibility masks for the host's vendor
//   pool           the level of the given pool's host policies
//   file:PATH      a custom template (the edge loads it into the library)
#pragma once

#include <string>
#include <vector>

#include "cpu_template.h"
#include "policy.h"

namespace cpucompat {

struct Mode {
    enum class Kind { off, vendor, level, hyperv_r2, pool, file };
    Kind kind = Kind::off;
    std::string arg;  // level name or file path
    std::string to_string() const;
};

// Throws Error naming the value and the accepted forms.
Mode parse_mode(const std::string &text);

// The library key of the template a mode uses on a host of this vendor
// ("vendor-amd", "zen3", "file:/etc/x.yaml"); empty for off and pool.
std::string template_key(const Mode &mode, const std::string &vendor_id);

// pool: the host policies of the pool (used by Mode::Kind::pool only).
// guest: the kind of domain (a PV host policy lacks HVM-only features).
Policy normalize(const Policy &host, const Mode &mode, const TemplateLibrary &lib, const std::vector<Policy> &pool = {},
                 GuestType guest = GuestType::hvm);

}  // namespace cpucompat
