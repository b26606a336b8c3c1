// decide(): what kind of move a domain gets, before anything moves.
//   live     same vendor, and the receiver's max policy has every feature
//            and limit of the domain's policy
//   restart  vendors differ (never live: Xen 4.17 does not even check), or
//            features are missing and --allow-restart was given
//   refuse   features or limits missing (no --allow-restart), or a restart
//            would be needed and --live-only was given
#pragma once

#include <string>

#include "../toolstack/core/compare.h"

namespace cpucompat {

struct MoveOptions {
    bool live_only = false;
    bool allow_restart = false;
};

enum class MoveKind { live, restart, refuse };
const char *move_kind_name(MoveKind k);  // "live", "restart", "refuse"

struct Decision {
    MoveKind kind = MoveKind::refuse;
    CompareResult diff;  // the domain's policy against the receiver's max
    std::string reason;  // one line, for people and the audit log
};

Decision decide(const Policy &domain, const Policy &receiver_max, const MoveOptions &o);

}  // namespace cpucompat
