// migrate DOMAIN HOST: decide before anything moves, then move live,
// refuse with the diff, or shut down here and restart there.
#include <iostream>
#include <map>
#include <memory>

#include "../../migration/decision.h"
#include "../../migration/journal.h"
#include "../../migration/process.h"
#include "../../migration/move.h"
#include "../../migration/stop_signals.h"
#include "../../migration/xl_moves.h"
#include "commands.h"
#include "move_report.h"
#include "output.h"

namespace cpucompat {

Runner add_migrate(CLI::App &app, const GlobalOptions &g) {
    struct Opts {
        MoveRequest req;
        MoveOptions move;
        bool dry_run = false, force = false;
    };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("migrate", "Move a domain to HOST: live when compatible, refused with the diff, or restarted across vendors");
    c->add_option("DOMAIN", o->req.domain, "the domain (name or id)")->required();
    c->add_option("HOST", o->req.host, "the receiving host")->required();
    c->add_flag("--dry-run", o->dry_run, "print the decision and the plan; change nothing");
    c->add_flag("--live-only", o->move.live_only, "never restart: refuse instead");
    c->add_flag("--allow-restart", o->move.allow_restart, "also restart when the receiver lacks features of the same vendor");
    c->add_option("--shutdown-timeout", o->req.shutdown_timeout, "seconds the guest has to shut down")->capture_default_str()->check(CLI::PositiveNumber);
    c->add_flag("--force-shutdown", o->force, "destroy the guest if it has not shut down in time");
    c->add_option("--link-timeout", o->req.link_timeout,
                  "seconds to keep asking HOST what it has of the domain after the link fails mid-restart")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    c->add_option("-s,--ssh", o->req.ssh, "the ssh command to reach HOST, as xl migrate -s")->capture_default_str();
    c->add_option("--storage-check", o->req.storage_check,
                  "before a restart: prove each disk is the same on both hosts (digest: size and first/last MiB), or none")
        ->transform(CLI::CheckedTransformer(std::map<std::string, StorageCheck>{{"digest", StorageCheck::digest}, {"none", StorageCheck::none}}))
        ->default_str("digest");
    c->add_option("--config", o->req.config, "the domain's xl config file, for a restart (default /etc/xen/DOMAIN.cfg)");
    c->add_option("--xl-option", o->req.xl_options, "passed to xl migrate (repeat: --xl-option=--debug)");
    return [o, &g]() -> int {
        const MoveRequest &req = o->req;
        const double t0 = monotonic_seconds();
        const MoveJournalStore journal;
        refuse_if_unfinished(journal, req.domain, "");
        // The lock first, then the facts under it: what is moved is what
        // was judged. Locked by name whether it was given by name or id.
        std::unique_ptr<MigrationLock> lock;
        DomainFacts d = gather_domain(req.domain, req.config);
        if (!o->dry_run) {
            const std::string uuid = d.uuid;
            lock = std::make_unique<MigrationLock>(d.name);
            d = gather_domain(d.name, req.config);
            if (d.uuid != uuid) throw Error(req.domain + " changed while its lock was taken (uuid " + uuid + " is now " + d.uuid + "); not moved");
            refuse_if_unfinished(journal, d.name, d.uuid);
        }
        // Plain xl (or libvirt) takes none of cpucompat's locks: one moving
        // or saving the domain is seen by its processes.
        if (const std::string other = other_mover(running_processes(), d.name, d.domid); !other.empty())
            throw Error(d.name + " is being moved or saved by another process: " + other + "; not moved (try again once it is done)");
        const ReceiverFacts r = gather_receiver(req, d.guest);
        const LoadedGuestTable guests = load_guest_table(default_guest_table_path());
        const Decision dec = decide(d.policy, r.max, o->move, d.live, restart_refusal(restart_fit(d, guests), r.max, d.guest, guests.levels));
        nlohmann::ordered_json j{{"domain", d.name},     {"uuid", d.uuid},           {"host", req.host},
                                 {"decision", move_kind_name(dec.kind)}, {"reason", dec.reason},
                                 {"check_seconds", monotonic_seconds() - t0}, {"dry_run", o->dry_run}};
        j["diff"] = compare_json(dec.diff, d.policy, r.max);
        if (!g.json) print_decision(d.name, req.host, dec);
        auto finish = [&](int status) {
            j["exit"] = status;
            if (!o->dry_run) audit(j);
            if (g.json) std::cout << json_text(j);
            return status;
        };
        if (dec.kind == MoveKind::refuse) {
            if (!g.json) print_compare(std::cout, dec.diff, d.policy, r.max);
            return finish(1);
        }
        if (o->dry_run) {
            if (!g.json) std::cout << plan_text(req, d.name, dec.kind, o->force) << "\n";
            return finish(0);
        }
        const StopSignals signals;
        const MoveResult m = carry_out_move(req, d, r, dec, o->force, move_progress(d.name, g.json), journal);
        j.update(move_result_json(m));
        if (!g.json) print_outcome(d.name, m);
        return finish(m.exit_status());
    };
}

}  // namespace cpucompat
