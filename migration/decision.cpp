#include "decision.h"

namespace cpucompat {

const char *move_kind_name(MoveKind k) {
    switch (k) {
    case MoveKind::live: return "live";
    case MoveKind::restart: return "restart";
    case MoveKind::refuse: break;
    }
    return "refuse";
}

Decision decide(const Policy &domain, const Policy &receiver_max, const MoveOptions &o) {
    Decision d;
    d.diff = restore_verdict(domain, receiver_max);
    const std::string why = summary(d.diff, domain, receiver_max);
    if (d.diff.compatible()) {
        d.kind = MoveKind::live;
        d.reason = "compatible: live migration";
    } else if (d.diff.vendor_mismatch) {
        d.kind = o.live_only ? MoveKind::refuse : MoveKind::restart;
        d.reason = o.live_only ? "vendors differ and --live-only forbids a restart: " + why
                               : "vendors differ, a live move is impossible; shutdown and restart: " + why;
    } else {
        d.kind = o.allow_restart && !o.live_only ? MoveKind::restart : MoveKind::refuse;
        d.reason = d.kind == MoveKind::restart ? "the receiver lacks what the domain uses; restart (--allow-restart): " + why
                                               : "the receiver lacks what the domain uses: " + why;
    }
    return d;
}

}  // namespace cpucompat
