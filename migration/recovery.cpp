#include "recovery.h"

#include <unistd.h>

#include <filesystem>
#include <memory>

#include "../toolstack/import/save_image.h"
#include "journal.h"
#include "move_limits.h"
#include "private_files.h"
#include "remote_command.h"
#include "xl_moves.h"
#include "xl_output.h"

namespace cpucompat {

namespace {

using limits::kAskSeconds;
using limits::kCreateSeconds;
constexpr const char *kXendomainsSave = "/var/lib/xen/save";
constexpr const char *kQuarantine = "/var/lib/cpucompat/quarantine";

// The domid of the domain with this uuid in `xl list -l` output, "" if none.
std::string domid_of(const std::string &xl_list_l, const std::string &uuid) {
    const auto id = domid_with_uuid(xl_list_l, uuid, "xl list -l");
    return id ? std::to_string(*id) : "";
}

XlRunner local_runner() {
    return [](const std::vector<std::string> &argv) { return run_captured(argv, kAskSeconds); };
}

XlRunner remote_runner(const MoveEntry &e) {
    return [e](const std::vector<std::string> &argv) {
        return run_captured(ssh_argv(with_keepalive(e.ssh), e.receiver, argv), kAskSeconds);
    };
}

void start_here(const MoveEntry &e) {
    // The config the domain ran with, from the journal itself: the saved
    // copy may be gone, the file in /etc/xen edited since.
    std::string path = e.saved_config;
    if (path.empty() || !std::filesystem::exists(path)) {
        ensure_private_dir("/var/lib/cpucompat/migrated");
        path = "/var/lib/cpucompat/migrated/" + e.uuid + ".cfg";
    }
    write_durably(path, e.config);
    const ProcessResult r = run_captured({self_exe(), "create", path, "uuid=\"" + e.uuid + "\""}, kCreateSeconds);
    if (r.status != 0)
        throw Error("cpucompat create " + path + ": " + (r.timed_out ? std::string("no result in time") : first_line(r.err + "\n" + r.out)));
}

// A held copy xendomains saved at shutdown would be restored (and run) at
// boot: its image is moved aside, named in the report. Only an image of
// this uuid is touched.
std::string quarantine_saved_copy(const MoveEntry &e, bool dry_run) {
    const std::string image = std::string(kXendomainsSave) + "/" + e.domain;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(image, ec)) return "";
    try {
        const auto config = read_save_image_config(image);
        if (config.value("c_info", nlohmann::json::object()).value("uuid", "") != e.uuid) return "";
    } catch (const std::exception &) {
        return "";  // not an image of this copy: not ours to move
    }
    const std::string to = std::string(kQuarantine) + "/" + e.domain + "-" + e.uuid;
    if (dry_run) return to;
    ensure_private_dir(kQuarantine);
    if (rename(image.c_str(), to.c_str()) != 0) throw Error(image + ": cannot move it to " + to);
    return to;
}

}  // namespace

void destroy_by_uuid(const XlRunner &run, const std::string &uuid, const std::string &where) {
    const ProcessResult r = run({"xl", "list", "-l"});
    if (r.status != 0) throw Error(where + ": xl list -l failed");
    const std::string domid = domid_of(r.out, uuid);
    if (domid.empty()) return;
    const ProcessResult d = run({"xl", "destroy", domid});
    if (d.status == 0) return;
    // A held copy destroys itself when its hold time ends: if it did so
    // between the two calls, what was asked is done. Anything else (still
    // listed, or xl cannot say) is the failure it was.
    const ProcessResult again = run({"xl", "list", "-l"});
    if (again.status == 0 && domid_of(again.out, uuid).empty()) return;
    throw Error(where + ": xl destroy: " + (d.timed_out ? std::string("no answer in time") : first_line(d.err + "\n" + d.out)));
}

Presence locate_by_uuid(const XlRunner &run, const std::string &uuid) {
    try {
        const ProcessResult r = run({"xl", "list", "-l"});
        if (r.status != 0) return Presence::unknown;
        const std::string domid = domid_of(r.out, uuid);
        if (domid.empty()) return Presence::absent;
        const ProcessResult one = run({"xl", "list", domid});
        if (one.status != 0) {
            // Gone meanwhile, or xl failed: asked again, only the first is "absent".
            const ProcessResult again = run({"xl", "list", "-l"});
            return again.status == 0 && domid_of(again.out, uuid).empty() ? Presence::absent : Presence::unknown;
        }
        const auto d = listed_domain(one.out);
        if (!d) return Presence::unknown;
        return d->paused() && !d->crashed() ? Presence::paused : Presence::running;
    } catch (const std::exception &) {
        return Presence::unknown;
    }
}

int RecoveryResult::exit_status() const {
    if (plan.action == RecoverAction::cannot_know && !busy) return 3;
    return done ? 0 : 1;
}

RecoveryResult recover_entry(const MoveJournalStore &journal, const MoveJournalStore::Open &open, bool dry_run) {
    RecoveryResult res;
    res.journal = open.path;
    res.entry = open.entry;
    MoveEntry &e = res.entry;
    std::unique_ptr<MigrationLock> lock;
    try {
        lock = e.role == MoveRole::sender ? std::make_unique<MigrationLock>(e.domain) : std::make_unique<MigrationLock>(e.uuid, "held");
    } catch (const LockBusy &b) {
        res.busy = true;
        res.error = std::string("left alone: ") + b.what();
        return res;
    }
    res.here = locate_by_uuid(local_runner(), e.uuid);
    // Asked to shut down by a wrapper that died: it may be on its way down.
    for (const long long until = going_down_until(e);
         !dry_run && until > 0 && (res.here == Presence::running || res.here == Presence::paused) && unix_now() < until;) {
        sleep(2);
        res.here = locate_by_uuid(local_runner(), e.uuid);
    }
    if (e.role == MoveRole::sender) res.there = locate_by_uuid(remote_runner(e), e.uuid);
    res.plan = plan_recovery(e, res.here, res.there);
    if (res.plan.action == RecoverAction::cannot_know) {
        res.error = res.plan.why + "; nothing started. The config is in " + open.path +
                    (e.saved_config.empty() ? "" : " and " + e.saved_config);
        return res;
    }
    try {
        if (e.role == MoveRole::receiver && res.here == Presence::absent) res.quarantined = quarantine_saved_copy(e, dry_run);
        if (dry_run) return res;
        switch (res.plan.action) {
        case RecoverAction::start_here: start_here(e); break;
        case RecoverAction::destroy_there_then_start_here:
            destroy_by_uuid(remote_runner(e), e.uuid, e.receiver);
            start_here(e);
            break;
        case RecoverAction::destroy_there: destroy_by_uuid(remote_runner(e), e.uuid, e.receiver); break;
        case RecoverAction::destroy_here: destroy_by_uuid(local_runner(), e.uuid, "this host"); break;
        case RecoverAction::close:
        case RecoverAction::cannot_know: break;
        }
        if (res.plan.outcome == "moved") res.autostart_disabled = disable_autostart(e.domain, e.receiver);
        MoveEntry closing = e;  // the report keeps the step the move was found at
        journal.finish(closing, res.plan.outcome, unix_now());
        res.done = true;
    } catch (const Error &err) {
        res.error = err.what();
    }
    return res;
}

}  // namespace cpucompat
